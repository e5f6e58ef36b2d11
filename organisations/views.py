from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from assessment.models import Assessment
from greenmfg.http import AuthenticatedHttpRequest
from greenmfg.login_throttle import client_ip
from organisations import consultancy as consultancies
from organisations import identity, invitations, membership, preferences
from organisations.access import Access, get_company_for_user, get_consultancy_for_user
from organisations.dashboard import client_rows, consultancies_of, member_rows
from organisations.forms import (
    AddConsultantForm,
    ClaimForm,
    CompanyForm,
    ConsultancyForm,
    GrantForm,
    InviteForm,
    LicenceForm,
    RoleForm,
    SignupForm,
    find_user_by_email,
)
from organisations.models import (
    MEMBER_ROLES,
    AccessGrant,
    AccessRequest,
    Company,
    Consultant,
    Invitation,
    Membership,
)


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


# --- Accounts -------------------------------------------------------------------------------------


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            # The same answer whether or not the address has an account; only its inbox learns which.
            email = form.cleaned_data["email"]
            if find_user_by_email(email):
                identity.send_signup_notice(
                    email,
                    login_url=request.build_absolute_uri(reverse("login")),
                    reset_url=request.build_absolute_uri(reverse("password_reset")),
                )
            else:
                user = form.save()
                preferences.remember_language(user, request.LANGUAGE_CODE)
                identity.needs_confirmation(user)
                _send_confirmation(request, user, next_url=_safe_next(request) or "")
            return render(request, "registration/signup_done.html", {"email": email})
    else:
        form = SignupForm(initial={"email": request.GET.get("email", "")})
    return render(request, "registration/signup.html", {"form": form, "next": _safe_next(request)})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher; a logged-in user's choice also becomes the language of their e-mails."""
    response = i18n.set_language(request)
    if request.user.is_authenticated:
        preferences.remember_language(request.user, request.POST.get("language", ""))
    return response


def _send_confirmation(request: HttpRequest, user: User, *, next_url: str) -> None:
    token = identity.confirmation_token(user, next_url=next_url)
    identity.send_confirmation(user, confirm_url=request.build_absolute_uri(reverse("email_confirm", args=[token])))


def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    data = identity.read_confirmation_token(token)
    confirmation = identity.confirm_email(data) if data else None
    if data is None or confirmation is None:
        return render(request, "registration/confirm_invalid.html", status=400)
    user = confirmation.user
    if not request.user.is_authenticated:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    elif request.user.pk != user.pk:
        return redirect("dashboard")
    messages.success(request, _("Your email address is confirmed. Welcome!"))
    target = data.get("n") or ""
    if not (target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())):
        target = reverse("onboarding")
    return redirect(target)


@login_required
@require_POST
def email_confirm_resend(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not identity.is_confirmed(request.user):
        _send_confirmation(request, request.user, next_url=_safe_next(request) or "")
    messages.success(request, _("We sent the confirmation link to %(email)s again.") % {"email": request.user.email})
    return redirect(_safe_next(request) or "dashboard")


def _confirm_first(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/confirm_first.html", {"next": request.get_full_path()}, status=403)


@login_required
def onboarding(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "organisations/onboarding.html")


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    members = member_rows(request.user)
    clients = client_rows(request.user, exclude={row.company.pk for row in members})
    for row in (*members, *clients):
        row.start_url = reverse("assessment_start", args=[row.company.pk]) if row.can_edit else None
        for assessment in row.assessments:
            # A draft opens the questionnaire; a submitted revision its results.
            page = "assessment_overview" if assessment.status == Assessment.Status.DRAFT else "assessment_results"
            assessment.url = reverse(page, args=[assessment.pk])  # type: ignore[attr-defined]  # for the template
    context = {
        "members": members,
        "clients": clients,
        "consultancies": consultancies_of(request.user),
        "claims": identity.pending_claims_of(request.user),
    }
    return render(request, "organisations/dashboard.html", context)


# --- Companies ------------------------------------------------------------------------------------


@login_required
def company_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not identity.is_confirmed(request.user):
        return _confirm_first(request)
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        holder = form.taken_by()
        if holder is not None:
            if Membership.objects.filter(company=holder, user=request.user).exists():
                return redirect("company_detail", holder.pk)
            # Never said outright that the code is registered: the licence decides who holds it.
            claim_form = ClaimForm(
                initial={"credit_code": form.cleaned_data["credit_code"], "company_name": form.cleaned_data["name"]}
            )
            return render(request, "organisations/claim_form.html", {"form": claim_form})
        company = membership.create_company(form.save(commit=False), owner=request.user)
        messages.success(request, _("The company %(name)s is created; you are its owner.") % {"name": company.name})
        return redirect("company_detail", company.pk)
    return render(request, "organisations/company_form.html", {"form": form})


@login_required
@require_POST
def company_claim(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not identity.is_confirmed(request.user):
        return _confirm_first(request)
    form = ClaimForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "organisations/claim_form.html", {"form": form})
    holder = Company.objects.filter(credit_code=form.cleaned_data["credit_code"]).first()
    if holder is None or Membership.objects.filter(company=holder, user=request.user).exists():
        # Free again (or already theirs): the ordinary registration applies.
        return redirect("company_create")
    identity.open_claim(
        company=holder,
        claimant=request.user,
        company_name=form.cleaned_data["company_name"],
        contact_name=form.cleaned_data["contact_name"],
        contact_phone=form.cleaned_data["contact_phone"],
        licence=form.cleaned_data["licence"],
    )
    return render(request, "organisations/claim_done.html")


@login_required
def company_licence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    company, access = get_company_for_user(request.user, pk, "manage")
    form = LicenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        identity.store_licence(company, form.cleaned_data["licence"])
        messages.success(request, _("The business licence is uploaded; we will check it shortly."))
        return redirect("company_detail", company.pk)
    return render(request, "organisations/licence_form.html", {"company": company, "access": access, "form": form})


def _company_page(
    request: HttpRequest, company: Company, access: Access, *, grant_form: GrantForm | None = None, status: int = 200
) -> HttpResponse:
    grants = AccessGrant.objects.filter(company=company).select_related("consultancy", "granted_by")
    requests = AccessRequest.objects.pending().filter(company=company).select_related("consultancy", "requested_by")
    context = {
        "company": company,
        "access": access,
        "grants": grants,
        "access_requests": requests,
        "grant_form": grant_form or GrantForm(),
    }
    return render(request, "organisations/company_detail.html", context, status=status)


@login_required
def company_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    company, access = get_company_for_user(request.user, pk)
    return _company_page(request, company, access)


@login_required
def company_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    company, _access = get_company_for_user(request.user, pk, "manage")
    form = CompanyForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid() and form.taken_by() is not None:
        form.add_error(
            "credit_code",
            _("This credit code cannot be used here. If it is your company's, register it as a new company instead."),
        )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The company profile is saved."))
        return redirect("company_detail", company.pk)
    return render(request, "organisations/company_form.html", {"form": form, "company": company})


def _members_page(request: HttpRequest, pk: int, *, invite_form: InviteForm | None = None) -> HttpResponse:
    company, access = get_company_for_user(request.user, pk)
    members = company.memberships.select_related("user").order_by("user__email")
    pending = company.invitations.filter(accepted_at__isnull=True) if access.can_manage else []
    context = {
        "company": company,
        "access": access,
        "members": members,
        "roles": MEMBER_ROLES,
        "pending": pending,
        "invite_form": invite_form or InviteForm(company=company),
    }
    return render(request, "organisations/members.html", context)


@login_required
def company_members(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Every member (and a granted consultant) may see who is on the team; only owners change it.
    return _members_page(request, pk)


@login_required
@require_POST
def member_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    company, _access = get_company_for_user(request.user, pk, "manage")
    form = InviteForm(request.POST, company=company)
    if not form.is_valid():
        return _members_page(request, pk, invite_form=form)
    invitation = invitations.create_invitation(
        company=company, email=form.cleaned_data["email"], role=form.cleaned_data["role"], invited_by=request.user
    )
    accept_url = request.build_absolute_uri(reverse("invitation_accept", args=[invitation.token]))
    invitations.send_invitation(invitation, accept_url=accept_url)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("company_members", company.pk)


@login_required
@require_POST
def member_role(request: AuthenticatedHttpRequest, pk: int, member_pk: int) -> HttpResponse:
    company, _access = get_company_for_user(request.user, pk, "manage")
    member = get_object_or_404(Membership.objects.select_related("user"), pk=member_pk, company=company)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
    else:
        try:
            membership.change_role(member, form.cleaned_data["role"])
            messages.success(request, _("The role of %(email)s is changed.") % {"email": member.user.email})
        except membership.LastOwnerError:
            messages.error(request, _("The company needs at least one owner. Make someone else owner first."))
    return redirect("company_members", company.pk)


@login_required
@require_POST
def member_remove(request: AuthenticatedHttpRequest, pk: int, member_pk: int) -> HttpResponse:
    company, _access = get_company_for_user(request.user, pk, "manage")
    member = get_object_or_404(Membership.objects.select_related("user"), pk=member_pk, company=company)
    try:
        membership.remove_member(member)
        messages.success(request, _("%(email)s is removed from the company.") % {"email": member.user.email})
    except membership.LastOwnerError:
        messages.error(request, _("The last owner cannot be removed. Make someone else owner first."))
        return redirect("company_members", company.pk)
    if member.user_id == request.user.pk:
        return redirect("dashboard")
    return redirect("company_members", company.pk)


@login_required
@require_POST
def invitation_cancel(request: AuthenticatedHttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    company, _access = get_company_for_user(request.user, pk, "manage")
    invitation = get_object_or_404(Invitation, pk=invitation_pk, company=company, accepted_at__isnull=True)
    invitation.delete()
    messages.success(request, _("The invitation to %(email)s is cancelled.") % {"email": invitation.email})
    return redirect("company_members", company.pk)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the link sees whom it invites; only the invited address can accept it."""
    invitation = Invitation.objects.select_related("company").filter(token=token).first()
    if invitation is None:
        raise Http404
    problem = None
    if invitation.accepted_at is not None:
        problem = "used"
    elif invitations.is_expired(invitation):
        problem = "expired"
    elif request.user.is_authenticated and not invitations.is_for(invitation, request.user):
        problem = "other_email"
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if problem is None:
            invitations.accept_invitation(invitation, request.user)
            messages.success(request, _("You joined %(name)s.") % {"name": invitation.company.name})
            return redirect("company_detail", invitation.company_id)
    return render(request, "organisations/invitation.html", {"invitation": invitation, "problem": problem})


@login_required
@require_POST
def grant_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An access code entered by a member: a request that an owner accepts on the company page."""
    company, access = get_company_for_user(request.user, pk, "edit")
    if access.is_consultant:
        raise PermissionDenied
    form = GrantForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            consultancy = consultancies.consultancy_for_code(
                form.cleaned_data["access_code"], user_id=request.user.pk, ip=client_ip(request)
            )
            consultancies.request_access(company=company, consultancy=consultancy, requested_by=request.user)
            messages.success(
                request,
                _("Request for %(name)s recorded. It gets access only once an owner of the company accepts it.")
                % {"name": consultancy.name},
            )
            return redirect("company_detail", company.pk)
        except consultancies.ThrottledError:
            status = 429
            form.add_error("access_code", _("Too many wrong codes. Please wait a quarter of an hour and try again."))
        except consultancies.UnknownCodeError:
            form.add_error("access_code", _("No consultancy has this access code. Please check it."))
        except consultancies.AlreadyGrantedError:
            form.add_error("access_code", _("This consultancy already has access."))
    return _company_page(request, company, access, grant_form=form, status=status)


@login_required
@require_POST
def access_request_decide(request: AuthenticatedHttpRequest, pk: int, request_pk: int, decision: str) -> HttpResponse:
    company, _access = get_company_for_user(request.user, pk, "manage")
    access_request = get_object_or_404(
        AccessRequest.objects.select_related("consultancy"), pk=request_pk, company=company
    )
    name = access_request.consultancy.name
    try:
        if decision == "accept":
            consultancies.accept_request(access_request, by=request.user)
            messages.success(request, _("%(name)s now has access to your assessments.") % {"name": name})
        else:
            consultancies.decline_request(access_request, by=request.user)
            messages.success(request, _("The request of %(name)s is declined.") % {"name": name})
    except consultancies.RequestDecidedError:
        messages.error(request, _("This request was already answered."))
    return redirect("company_detail", company.pk)


@login_required
@require_POST
def grant_revoke(request: AuthenticatedHttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    company, _access = get_company_for_user(request.user, pk, "manage")
    grant = get_object_or_404(AccessGrant.objects.select_related("consultancy"), pk=grant_pk, company=company)
    consultancies.revoke_access(grant)
    messages.success(request, _("Access of %(name)s is revoked.") % {"name": grant.consultancy.name})
    return redirect("company_detail", company.pk)


# --- Consultancies --------------------------------------------------------------------------------


@login_required
def consultancy_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ConsultancyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        firm = consultancies.create_consultancy(form.save(commit=False), user=request.user)
        messages.success(request, _("The consultancy %(name)s is created.") % {"name": firm.name})
        return redirect("consultancy_detail", firm.pk)
    return render(request, "organisations/consultancy_form.html", {"form": form})


def _consultancy_page(
    request: HttpRequest, pk: int, *, form: ConsultancyForm | None = None, add_form: AddConsultantForm | None = None
) -> HttpResponse:
    firm, me = get_consultancy_for_user(request.user, pk)
    context = {
        "consultancy": firm,
        "me": me,
        "consultants": firm.consultants.select_related("user").order_by("user__email"),
        "clients": firm.grants.active().select_related("company").order_by("company__name"),
        "form": form or ConsultancyForm(instance=firm),
        "add_form": add_form or AddConsultantForm(),
    }
    return render(request, "organisations/consultancy_detail.html", context)


@login_required
def consultancy_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return _consultancy_page(request, pk)
    firm, _me = get_consultancy_for_user(request.user, pk, "manage")
    form = ConsultancyForm(request.POST, request.FILES, instance=firm)
    if not form.is_valid():
        return _consultancy_page(request, pk, form=form)
    form.save()
    messages.success(request, _("The consultancy settings are saved."))
    return redirect("consultancy_detail", firm.pk)


@login_required
def consultancy_logo(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    firm, _me = get_consultancy_for_user(request.user, pk)
    if not firm.logo:
        raise Http404
    stored = firm.logo.name or ""  # set: the field is not empty
    # A download, never rendered by the browser as anything but the declared image type.
    response = FileResponse(firm.logo.open("rb"), as_attachment=True, filename=_logo_name(stored))
    response["Content-Type"] = "image/png" if stored.lower().endswith(".png") else "image/jpeg"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _logo_name(stored: str) -> str:
    return "logo.png" if stored.lower().endswith(".png") else "logo.jpg"


@login_required
@require_POST
def consultant_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    firm, _me = get_consultancy_for_user(request.user, pk, "manage")
    form = AddConsultantForm(request.POST)
    if not form.is_valid():
        return _consultancy_page(request, pk, add_form=form)
    email = form.cleaned_data["email"]
    # The same answer whether or not an account uses the address: only its owner learns, by the link.
    invitation = consultancies.invite_consultant(firm, email, invited_by=request.user)
    join_url = request.build_absolute_uri(reverse("consultancy_join", args=[invitation.token]))
    consultancies.send_join_invitation(invitation, join_url=join_url)
    messages.success(
        request,
        _("We e-mailed %(email)s a link to join %(name)s. They appear here once they have opened it.")
        % {"email": email, "name": firm.name},
    )
    return redirect("consultancy_detail", firm.pk)


def consultancy_join(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding a live link sees which consultancy it is for; only the invited address can join, once.

    A link that is unknown, used, withdrawn or expired gets a page that says so (unknown ones with a 404).
    """
    template = "organisations/consultancy_join.html"
    invitation = consultancies.find_invitation(token)
    if invitation is None:
        return render(request, template, {"problem": consultancies.JoinProblem.UNKNOWN.value}, status=404)
    problem = consultancies.join_problem(invitation, request.user)
    if request.method == "POST" and problem is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            consultancies.accept_join_invitation(invitation, request.user)
        except consultancies.JoinError as error:
            problem = error.problem
        else:
            messages.success(request, _("You joined %(name)s.") % {"name": invitation.consultancy.name})
            return redirect("consultancy_detail", invitation.consultancy_id)
    return render(request, template, {"invitation": invitation, "problem": problem and problem.value})


@login_required
@require_POST
def consultant_remove(request: AuthenticatedHttpRequest, pk: int, consultant_pk: int) -> HttpResponse:
    firm, _me = get_consultancy_for_user(request.user, pk, "manage")
    consultant = get_object_or_404(Consultant.objects.select_related("user"), pk=consultant_pk, consultancy=firm)
    try:
        consultancies.remove_consultant(consultant)
        messages.success(request, _("%(email)s is removed.") % {"email": consultant.user.email})
    except consultancies.LastAdminError:
        messages.error(request, _("The consultancy needs at least one administrator."))
    return redirect("consultancy_detail", firm.pk)
