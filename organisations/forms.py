from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.evidence import EvidenceError, detect
from greenmfg.bilingual import pick
from organisations.branding import contact_lines, normalise_colour
from organisations.credit_code import validate_credit_code
from organisations.identity import LicenceError, check_licence
from organisations.models import MEMBER_ROLES, Company, Consultancy, Role, Sector

FIRST_LIST_YEAR = 2017  # batch 1 of the national green manufacturing list
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_FORMATS = {"PNG", "JPEG"}  # what WeasyPrint embeds reliably in the PDF report


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).order_by("pk").first()


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=150, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        # Whether the address already has an account is told only to that address, by e-mail.
        return normalise_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", ValidationError(_("The two passwords differ."), code="mismatch"))
        if password1:
            email = cleaned.get("email", "")
            try:
                password_validation.validate_password(password1, User(username=email, email=email))
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self) -> User:
        email = self.cleaned_data["email"]
        # The email is the username: one thing to remember, and unique by construction.
        return User.objects.create_user(username=email, email=email, password=self.cleaned_data["password1"])


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email or the password is not correct."),
    }

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data["username"])


class CompanyForm(forms.ModelForm):
    # Wider than 18 so a wrong length reaches the credit-code check and gets its specific message.
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        help_text=_("18 characters, printed on the business licence (统一社会信用代码)."),
    )

    class Meta:
        model = Company
        fields = ["name", "credit_code", "sector", "province", "size", "staff", "list_level", "listed_year"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._group_sectors()

    def _group_sectors(self) -> None:
        """Choose a 大类 (two-digit division), grouped under its 门类 (section letter)."""
        divisions = Sector.objects.filter(parent__isnull=False, parent__parent__isnull=True)
        if self.instance.sector_id:
            divisions = divisions | Sector.objects.filter(pk=self.instance.sector_id)
        field = self.fields["sector"]
        assert isinstance(field, forms.ModelChoiceField)  # the model's ForeignKey
        field.queryset = divisions
        groups: dict[str, list[tuple[int, str]]] = {}
        for sector in divisions.select_related("parent").order_by("code"):
            group = f"{sector.parent.code} {pick(sector.parent, 'name')}" if sector.parent else ""
            groups.setdefault(group, []).append((sector.pk, f"{sector.code} {pick(sector, 'name')}"))
        field.choices = [("", "---------"), *groups.items()]

    def clean_listed_year(self) -> int | None:
        year = self.cleaned_data.get("listed_year")
        if year is not None and not FIRST_LIST_YEAR <= year <= timezone.now().year:
            raise ValidationError(
                _("Enter a year from %(first)s to this year."), code="year", params={"first": FIRST_LIST_YEAR}
            )
        return year

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("listed_year") and not cleaned.get("list_level"):
            self.add_error("list_level", _("Choose the list the company appears on, or leave the year empty."))
        return cleaned

    def validate_unique(self) -> None:
        # A taken credit code is not an error shown here: the view turns it into an ownership claim.
        return

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if self.instance.pk and name != self.instance.name and self.instance.is_verified:
            raise ValidationError(
                _("The name of a verified company is the one on its licence; contact us if it changed."),
                code="verified",
            )
        return name

    def clean_credit_code(self) -> str:
        code = "".join(self.cleaned_data["credit_code"].split()).upper()
        validate_credit_code(code)
        if self.instance.pk and code != self.instance.credit_code and self.instance.is_verified:
            raise ValidationError(
                _("The credit code of a verified company cannot be changed; contact us if it is wrong."),
                code="verified",
            )
        return code

    def taken_by(self) -> Company | None:
        """The other company already holding the cleaned credit code, if any."""
        code = self.cleaned_data.get("credit_code")
        return Company.objects.filter(credit_code=code).exclude(pk=self.instance.pk).first() if code else None


def _licence_field() -> forms.FileField:
    return forms.FileField(
        label=_("Business licence (营业执照)"),
        help_text=_("A scan or photo of the business licence: PDF, PNG or JPEG."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )


def _clean_licence(upload: UploadedFile) -> UploadedFile:
    try:
        check_licence(upload)
    except LicenceError as error:
        raise ValidationError(str(error), code="licence") from None
    return upload


class LicenceForm(forms.Form):
    licence = _licence_field()

    def clean_licence(self) -> UploadedFile:
        return _clean_licence(self.cleaned_data["licence"])


class ClaimForm(forms.Form):
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=40, widget=forms.HiddenInput)
    company_name = forms.CharField(label=_("Company name, as on the licence"), max_length=200)
    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_phone = forms.RegexField(
        label=_("Contact phone"),
        max_length=30,
        regex=r"^[0-9+()\- ]{5,30}$",
        error_messages={"invalid": _("Enter a phone number (digits, spaces, +, - and brackets).")},
    )
    licence = _licence_field()

    def clean_credit_code(self) -> str:
        code = "".join(self.cleaned_data["credit_code"].split()).upper()
        validate_credit_code(code)
        return code

    def clean_licence(self) -> UploadedFile:
        return _clean_licence(self.cleaned_data["licence"])


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=MEMBER_ROLES, initial=Role.EDITOR)

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company = company

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        if self.company.memberships.filter(Q(user__email__iexact=email) | Q(user__username__iexact=email)).exists():
            raise ValidationError(_("This person is already a member of the company."), code="member")
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MEMBER_ROLES)


class GrantForm(forms.Form):
    access_code = forms.CharField(
        label=_("Consultancy access code"),
        max_length=20,
        help_text=_("Your consultancy finds this code on its settings page."),
    )

    def clean_access_code(self) -> str:
        return "".join(self.cleaned_data["access_code"].split()).upper()


class ConsultancyForm(forms.ModelForm):
    class Meta:
        model = Consultancy
        fields = ["name", "logo", "brand_colour", "accent_colour", "contact_lines"]
        help_texts = {"logo": _("PNG or JPEG, at most 2 MB. It appears on your clients' PDF reports.")}
        widgets = {
            "brand_colour": forms.TextInput(attrs={"placeholder": "#17613a", "maxlength": 7}),
            "accent_colour": forms.TextInput(attrs={"placeholder": "#8a5a00", "maxlength": 7}),
            "contact_lines": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_brand_colour(self) -> str:
        return normalise_colour(self.cleaned_data.get("brand_colour") or "")

    def clean_accent_colour(self) -> str:
        return normalise_colour(self.cleaned_data.get("accent_colour") or "")

    def clean_contact_lines(self) -> str:
        return "\n".join(contact_lines(self.cleaned_data.get("contact_lines") or ""))

    def clean_logo(self) -> object:
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            size, name = logo.size or 0, logo.name or ""  # always set on an upload
            if size > LOGO_MAX_BYTES:
                raise ValidationError(
                    _("The logo is too large (%(size)s); the limit is %(limit)s.")
                    % {"size": filesizeformat(size), "limit": filesizeformat(LOGO_MAX_BYTES)},
                    code="too_large",
                )
            # forms.ImageField has opened it with Pillow already: `image` is set only for real images.
            image_format = getattr(getattr(logo, "image", None), "format", None)
            if image_format not in LOGO_FORMATS:
                raise ValidationError(_("The logo must be a PNG or JPEG image."), code="format")
            # The evidence checks too: name matching content, nothing hidden after the image's end.
            try:
                kind = detect(name, logo, size)
            except EvidenceError as error:
                raise ValidationError(str(error), code="content") from None
            if kind.label != image_format:
                raise ValidationError(_("The logo must be a PNG or JPEG image."), code="format")
        return logo


class AddConsultantForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We e-mail a link; the person joins when they open it (signing up first if they need to)."),
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])
