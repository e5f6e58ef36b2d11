import datetime
import secrets
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from greenmfg.bilingual import pick
from organisations.branding import validate_contact_lines, validate_hex_colour
from organisations.credit_code import validate_credit_code

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise


def done_by(verbose_name: "StrOrPromise", *, blank: bool = False) -> "models.ForeignKey[User | None, User | None]":
    """The account that did something to a row (created, sent, decided, saved it): optional, emptied when the
    account is deleted, and with no reverse accessor on the user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name="+",
        verbose_name=verbose_name,
    )


class SectorManager(models.Manager["Sector"]):
    def get_by_natural_key(self, code: str) -> "Sector":
        return self.get(code=code)


class Sector(models.Model):
    """An industry category of GB/T 4754-2017 (门类 letter or 大类 two-digit code)."""

    code = models.CharField(_("Code"), max_length=4, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("Parent sector"),
    )
    name_zh = models.CharField(_("Name (Chinese)"), max_length=100)
    name_en = models.CharField(_("Name (English)"), max_length=150)

    objects = SectorManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return f"{self.code} {pick(self, 'name')}"

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    def is_kin(self, other: "Sector") -> bool:
        """`other` is this sector, a sub-sector of it, or the division it belongs to: a quota row keyed to
        `other` applies to a company in this sector (one level, as the quota standards are keyed)."""
        return self.pk in (other.pk, other.parent_id) or other.pk == self.parent_id


class Province(models.TextChoices):
    BEIJING = "BJ", _("Beijing")
    TIANJIN = "TJ", _("Tianjin")
    HEBEI = "HE", _("Hebei")
    SHANXI = "SX", _("Shanxi")
    INNER_MONGOLIA = "NM", _("Inner Mongolia")
    LIAONING = "LN", _("Liaoning")
    JILIN = "JL", _("Jilin")
    HEILONGJIANG = "HL", _("Heilongjiang")
    SHANGHAI = "SH", _("Shanghai")
    JIANGSU = "JS", _("Jiangsu")
    ZHEJIANG = "ZJ", _("Zhejiang")
    ANHUI = "AH", _("Anhui")
    FUJIAN = "FJ", _("Fujian")
    JIANGXI = "JX", _("Jiangxi")
    SHANDONG = "SD", _("Shandong")
    HENAN = "HA", _("Henan")
    HUBEI = "HB", _("Hubei")
    HUNAN = "HN", _("Hunan")
    GUANGDONG = "GD", _("Guangdong")
    GUANGXI = "GX", _("Guangxi")
    HAINAN = "HI", _("Hainan")
    CHONGQING = "CQ", _("Chongqing")
    SICHUAN = "SC", _("Sichuan")
    GUIZHOU = "GZ", _("Guizhou")
    YUNNAN = "YN", _("Yunnan")
    TIBET = "XZ", _("Tibet")
    SHAANXI = "SN", _("Shaanxi")
    GANSU = "GS", _("Gansu")
    QINGHAI = "QH", _("Qinghai")
    NINGXIA = "NX", _("Ningxia")
    XINJIANG = "XJ", _("Xinjiang")


class CompanySize(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class Verification(models.TextChoices):
    UNVERIFIED = "unverified", _("Not verified")
    PENDING = "pending", _("Licence awaiting review")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Licence rejected")


def licence_path(instance: models.Model, filename: str) -> str:
    # Generated name: the uploader's file name never reaches the storage.
    return f"licences/{uuid.uuid4().hex}"


# Reference §6.3: the annual dynamic-management form is due by 15 April; the dashboard reminds from 1 March.
DYNAMIC_FORM_REMINDER = (3, 1)
DYNAMIC_FORM_DUE = (4, 15)


def dynamic_form_due(today: datetime.date, *, listed: bool) -> datetime.date | None:
    """The due date of this spring's dynamic-management form while its reminder runs, else None."""
    opens, due = datetime.date(today.year, *DYNAMIC_FORM_REMINDER), datetime.date(today.year, *DYNAMIC_FORM_DUE)
    return due if listed and opens <= today <= due else None


class ListLevel(models.TextChoices):
    NONE = "", _("Not listed")
    NATIONAL = "national", _("National green factory list")
    PROVINCIAL = "provincial", _("Provincial list")
    MUNICIPAL = "municipal", _("Municipal list")


class Company(models.Model):
    name = models.CharField(_("Company name"), max_length=200)
    credit_code = models.CharField(
        _("Unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, verbose_name=_("Industry sector"))
    province = models.CharField(_("Province"), max_length=2, choices=Province.choices)
    size = models.CharField(_("Size"), max_length=10, choices=CompanySize.choices)
    is_demo = models.BooleanField(_("Demo data"), default=False, help_text=_("Demo data, not a real company"))
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    verification = models.CharField(
        _("Identity"), max_length=10, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    licence = models.FileField(_("Business licence"), upload_to=licence_path, blank=True, max_length=200)
    licence_type = models.CharField(_("Licence content type"), max_length=100, blank=True)
    licence_uploaded_at = models.DateTimeField(_("Licence uploaded at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("Verified at"), null=True, blank=True)
    verified_by = done_by(_("Verified by"), blank=True)
    list_level = models.CharField(
        _("Green manufacturing list"), max_length=12, choices=ListLevel.choices, default=ListLevel.NONE, blank=True
    )
    listed_year = models.PositiveSmallIntegerField(
        _("Year listed"), null=True, blank=True, help_text=_("The year of the list the company appears on")
    )
    staff = models.PositiveIntegerField(
        _("Staff"), null=True, blank=True, help_text=_("Employees at the end of the last reporting year")
    )
    peer_opt_in = models.BooleanField(
        _("Counted in peer statistics"),
        default=True,
        help_text=_("Submitted scores count, without the company's name, in the platform's peer statistics"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name

    @property
    def is_listed(self) -> bool:
        return bool(self.list_level)

    @property
    def dynamic_form_due(self) -> datetime.date | None:
        return dynamic_form_due(timezone.localdate(), listed=self.is_listed)

    @property
    def is_verified(self) -> bool:
        """Staff checked the business licence: reports and consultants may trust name and code."""
        return self.verification == Verification.VERIFIED


class ManagementSystem(models.TextChoices):
    QUALITY = "iso9001", _("Quality management (ISO 9001 / GB/T 19001)")
    ENVIRONMENT = "iso14001", _("Environmental management (ISO 14001 / GB/T 24001)")
    SAFETY = "iso45001", _("Occupational health and safety (ISO 45001 / GB/T 45001)")
    ENERGY = "iso50001", _("Energy management (ISO 50001 / GB/T 23331)")
    GHG = "iso14064", _("Greenhouse gas verification (ISO 14064)")
    OTHER = "other", _("Other (name it)")


class CertificateState(models.TextChoices):
    """Where a certificate stands on a given day: a certificate whose validity has not begun is not expired."""

    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    NOT_YET_VALID = "not_yet_valid", _("Not yet valid")


class ManagementCertificate(models.Model):
    """A certified management system of a company, printed in its reports' profile with its validity."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("Company")
    )
    system = models.CharField(_("Management system"), max_length=10, choices=ManagementSystem.choices)
    name = models.CharField(_("Name"), max_length=100, blank=True, help_text=_("For another system: its name"))
    number = models.CharField(_("Certificate number"), max_length=60, blank=True)
    certifier = models.CharField(_("Certification body"), max_length=100, blank=True)
    valid_from = models.DateField(_("Valid from"), null=True, blank=True)
    valid_until = models.DateField(_("Valid until"))

    class Meta:
        ordering = ["company", "system", "valid_until"]
        verbose_name = _("management system certificate")
        verbose_name_plural = _("management system certificates")

    def __str__(self) -> str:
        return f"{self.company_id}:{self.system}"

    @property
    def label(self) -> str:
        """The system's name: the one given for "other", else the choice's label."""
        return self.name if self.system == ManagementSystem.OTHER and self.name else str(self.get_system_display())

    def state_on(self, day: datetime.date) -> CertificateState:
        if self.valid_from is not None and day < self.valid_from:
            return CertificateState.NOT_YET_VALID
        if self.valid_until < day:
            return CertificateState.EXPIRED
        return CertificateState.VALID


class VerificationQueue(Company):
    """Companies whose uploaded licence waits for a staff check (an admin list of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("company awaiting verification")
        verbose_name_plural = _("verification queue")


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Decided(models.Model):
    """A request that is answered once: when it came in, and who answered it when.

    An ownership claim (answered by staff) and a consultancy's access request (answered by an owner of the
    company) are both such requests; each declares its own `status`, as their answers differ.
    """

    status: str

    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    decided_by = done_by(_("Decided by"), blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def decide(self, status: str, *, by: "User", at: datetime.datetime | None = None) -> None:
        """Record the answer: the new status, now (or `at`) and by whom."""
        self.status = status
        self.decided_at = at or timezone.now()
        self.decided_by = by
        # django-stubs checks the names against this abstract model, whose subclasses declare `status`.
        self.save(update_fields=["status", "decided_at", "decided_by"])  # type: ignore[misc]


class OwnershipClaim(Decided):
    """Someone registering a credit code another account holds: staff decide from the licence."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="claims", verbose_name=_("Company"))
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims", verbose_name=_("Claimant")
    )
    company_name = models.CharField(_("Company name on the licence"), max_length=200)
    contact_name = models.CharField(_("Contact person"), max_length=100)
    contact_phone = models.CharField(_("Contact phone"), max_length=30)
    licence = models.FileField(_("Business licence"), upload_to=licence_path, max_length=200)
    licence_type = models.CharField(_("Licence content type"), max_length=100)
    status = models.CharField(_("Status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)

    class Meta(Decided.Meta):
        verbose_name = _("ownership claim")
        verbose_name_plural = _("ownership claims")

    def __str__(self) -> str:
        return f"{self.claimant} → {self.company}"


class Role(models.TextChoices):
    """How a user reaches a company: as a member (owner, editor, viewer) or as a consultant of a
    consultancy holding an access grant. Memberships and invitations take the member roles only."""

    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")
    CONSULTANT = "consultant", _("Consultant")


MEMBER_ROLES = [(role.value, role.label) for role in (Role.OWNER, Role.EDITOR, Role.VIEWER)]


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("User")
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Company")
    )
    role = models.CharField(_("Role"), max_length=10, choices=MEMBER_ROLES, default=Role.VIEWER)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ["company", "user"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="one_membership_per_company")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.role})"


class InvitationLink(models.Model):
    """A link mailed to an address, usable by that address once: to join a company (`Invitation`) or a
    consultancy (`ConsultancyInvitation`)."""

    email = models.EmailField(_("Email"))
    token = models.CharField(_("Token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("Accepted at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class Invitation(InvitationLink):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("Company")
    )
    role = models.CharField(_("Role"), max_length=10, choices=MEMBER_ROLES, default=Role.EDITOR)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name=_("Invited by")
    )

    class Meta(InvitationLink.Meta):
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"


# No 0/O, 1/I/L: the code is read out over the phone and typed by hand.
ACCESS_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_access_code() -> str:
    return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(8))


class Consultancy(models.Model):
    name = models.CharField(_("Consultancy name"), max_length=200)
    logo = models.ImageField(_("Logo"), upload_to="logos/", blank=True)
    # The report template (organisations.branding): every report its consultants make for clients uses it.
    brand_colour = models.CharField(
        _("Brand colour"),
        max_length=7,
        blank=True,
        validators=[validate_hex_colour],
        help_text=_("Headings, rules and the cover of your clients' reports, e.g. #17613a."),
    )
    accent_colour = models.CharField(
        _("Accent colour"),
        max_length=7,
        blank=True,
        validators=[validate_hex_colour],
        help_text=_("Codes, scores and table rules, e.g. #8a5a00. Empty: the brand colour."),
    )
    contact_lines = models.TextField(
        _("Contact lines"),
        blank=True,
        validators=[validate_contact_lines],
        help_text=_("Up to four lines (address, phone, email, web), printed in the footer and on the sign-off page."),
    )
    # Given by the consultancy to its clients, whose owners enter it to grant access (random, not the pk,
    # so consultancies cannot be enumerated).
    access_code = models.CharField(_("Access code"), max_length=8, unique=True, default=new_access_code)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("consultancy")
        verbose_name_plural = _("consultancies")

    def __str__(self) -> str:
        return self.name


class Consultant(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consultants", verbose_name=_("User")
    )
    consultancy = models.ForeignKey(
        Consultancy, on_delete=models.CASCADE, related_name="consultants", verbose_name=_("Consultancy")
    )
    is_admin = models.BooleanField(_("Administrator"), default=False)

    class Meta:
        ordering = ["consultancy", "user"]
        verbose_name = _("consultant")
        verbose_name_plural = _("consultants")
        constraints = [models.UniqueConstraint(fields=["user", "consultancy"], name="one_consultant_per_firm")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.consultancy}"


class ConsultancyInvitationQuerySet(models.QuerySet):
    def open(self) -> "ConsultancyInvitationQuerySet":
        """Neither accepted nor revoked (an expired one is still open here: expiry is checked on use)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class ConsultancyInvitation(InvitationLink):
    """A link mailed to add a consultant: usable once, by its address, for 14 days, until revoked.

    Stored rather than signed so that removing a consultant can withdraw the links still in their inbox.
    """

    consultancy = models.ForeignKey(
        Consultancy, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("Consultancy")
    )
    invited_by = done_by(_("Invited by"))
    revoked_at = models.DateTimeField(_("Revoked at"), null=True, blank=True)

    objects = ConsultancyInvitationQuerySet.as_manager()

    class Meta(InvitationLink.Meta):
        verbose_name = _("consultant invitation")
        verbose_name_plural = _("consultant invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.consultancy}"


class AccessGrantQuerySet(models.QuerySet):
    def active(self) -> "AccessGrantQuerySet":
        return self.filter(revoked_at__isnull=True)


class AccessGrant(models.Model):
    """A company lets a consultancy work on its assessments until it revokes the grant."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="grants", verbose_name=_("Company"))
    consultancy = models.ForeignKey(
        Consultancy, on_delete=models.CASCADE, related_name="grants", verbose_name=_("Consultancy")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name=_("Granted by")
    )
    granted_at = models.DateTimeField(_("Granted at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("Revoked at"), null=True, blank=True)

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")

    def __str__(self) -> str:
        return f"{self.consultancy} → {self.company}"


class AccessRequestQuerySet(models.QuerySet):
    def pending(self) -> "AccessRequestQuerySet":
        return self.filter(status=AccessRequest.Status.PENDING)


class AccessRequest(Decided):
    """An access code entered for a company: no access until an owner of the company accepts it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="access_requests", verbose_name=_("Company")
    )
    consultancy = models.ForeignKey(
        Consultancy, on_delete=models.CASCADE, related_name="access_requests", verbose_name=_("Consultancy")
    )
    requested_by = done_by(_("Requested by"))
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PENDING)

    objects = AccessRequestQuerySet.as_manager()

    class Meta(Decided.Meta):
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")

    def __str__(self) -> str:
        return f"{self.consultancy} → {self.company} ({self.status})"


class EmailConfirmation(models.Model):
    """A sign-up whose address is not confirmed yet. Accounts made by staff or commands have none."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_confirmation", verbose_name=_("User")
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("Confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("email confirmation")
        verbose_name_plural = _("email confirmations")

    def __str__(self) -> str:
        return str(self.user)


class AccountSettings(models.Model):
    """What an account prefers; today the language of the e-mails the platform sends it.

    Set to the language the person signed up in, and changed whenever they switch language while
    logged in (organisations.preferences).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_settings", verbose_name=_("User")
    )
    language = models.CharField(
        _("Language of e-mails"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        ordering = ["user"]
        verbose_name = _("account settings")
        verbose_name_plural = _("account settings")

    def __str__(self) -> str:
        return f"{self.user} · {self.language}"
