from django.contrib.auth.views import LoginView
from django.urls import path

from organisations import certificates, views
from organisations.forms import EmailAuthenticationForm

urlpatterns = [
    # Shadows django.contrib.auth's login (greenmfg/urls.py includes this module first): log in by email.
    path(
        "accounts/login/",
        LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("signup/", views.signup, name="signup"),
    path("accounts/confirm/resend/", views.email_confirm_resend, name="email_confirm_resend"),
    path("accounts/confirm/<str:token>/", views.email_confirm, name="email_confirm"),
    path("welcome/", views.onboarding, name="onboarding"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/claim/", views.company_claim, name="company_claim"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company_edit"),
    path("companies/<int:pk>/certificates/", certificates.company_certificates, name="company_certificates"),
    path("companies/<int:pk>/licence/", views.company_licence, name="company_licence"),
    path("companies/<int:pk>/members/", views.company_members, name="company_members"),
    path("companies/<int:pk>/members/invite/", views.member_invite, name="member_invite"),
    path("companies/<int:pk>/members/<int:member_pk>/role/", views.member_role, name="member_role"),
    path("companies/<int:pk>/members/<int:member_pk>/remove/", views.member_remove, name="member_remove"),
    path(
        "companies/<int:pk>/invitations/<int:invitation_pk>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("companies/<int:pk>/grants/", views.grant_create, name="grant_create"),
    path("companies/<int:pk>/grants/<int:grant_pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path(
        "companies/<int:pk>/access-requests/<int:request_pk>/accept/",
        views.access_request_decide,
        {"decision": "accept"},
        name="access_request_accept",
    ),
    path(
        "companies/<int:pk>/access-requests/<int:request_pk>/decline/",
        views.access_request_decide,
        {"decision": "decline"},
        name="access_request_decline",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("consultancies/new/", views.consultancy_create, name="consultancy_create"),
    path("consultancies/join/<str:token>/", views.consultancy_join, name="consultancy_join"),
    path("consultancies/<int:pk>/", views.consultancy_detail, name="consultancy_detail"),
    path("consultancies/<int:pk>/logo/", views.consultancy_logo, name="consultancy_logo"),
    path("consultancies/<int:pk>/consultants/", views.consultant_add, name="consultant_add"),
    path(
        "consultancies/<int:pk>/consultants/<int:consultant_pk>/remove/",
        views.consultant_remove,
        name="consultant_remove",
    ),
]
