import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.credit_code import validate_credit_code


class SectorManager(models.Manager):
    def get_by_natural_key(self, code: str) -> "Sector":
        return self.get(code=code)


class Sector(models.Model):
    """An industry category of GB/T 4754-2017 (门类 letter or 大类 two-digit code)."""

    code = models.CharField(_("Code"), max_length=4, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("Parent sector")
    )
    name_zh = models.CharField(_("Name (Chinese)"), max_length=100)
    name_en = models.CharField(_("Name (English)"), max_length=150)

    objects = SectorManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    def natural_key(self) -> tuple[str]:
        return (self.code,)


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

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("User")
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Company")
    )
    role = models.CharField(_("Role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ["company", "user"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="one_membership_per_company")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.role})"


class Invitation(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("Company")
    )
    email = models.EmailField(_("Email"))
    role = models.CharField(_("Role"), max_length=10, choices=Role.choices, default=Role.EDITOR)
    token = models.CharField(_("Token"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name=_("Invited by")
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("Accepted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
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
