from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from greenmfg.health import healthz
from organisations import views as organisations_views

# The admin's header and page titles, in the staff member's language (Django's default says "Django").
admin.site.site_header = _("greenmfg administration")
admin.site.site_title = _("greenmfg administration")
admin.site.index_title = _("Site administration")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    # The language switcher, which also remembers a logged-in user's choice for their e-mails.
    path("i18n/setlang/", organisations_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    # organisations first: its accounts/login/ (log in by email) shadows the stock one.
    path("", include("organisations.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("ledger.urls")),
    path("", include("assessment.urls")),
    path("", include("standing.urls")),
    path("", include("policies.urls")),
]
