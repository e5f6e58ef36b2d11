"""The language each account reads its e-mails in.

An account keeps the language it signed up in until its owner switches language while logged in.
E-mails to an address with an account are written in that account's language; to an address
without one (an invitation), in the sender's language. Which of the two applied is never shown to
the sender, so it reveals nothing about the address.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils.translation import check_for_language, get_language

from organisations.models import AccountSettings

KNOWN = {code for code, _name in settings.LANGUAGES}


def remember_language(user: AbstractBaseUser, language: str) -> None:
    if language in KNOWN and check_for_language(language):
        AccountSettings.objects.update_or_create(user_id=user.pk, defaults={"language": language})


def language_of(user: AbstractBaseUser) -> str:
    found = AccountSettings.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return found or settings.LANGUAGE_CODE


def language_for_email(email: str, *, fallback: str | None = None) -> str:
    """The language of the account using this address; else `fallback` (by default the active language)."""
    address = email.strip()
    found = (
        AccountSettings.objects.filter(Q(user__email__iexact=address) | Q(user__username__iexact=address))
        .values_list("language", flat=True)
        .first()
    )
    if found:
        return found
    if get_user_model().objects.filter(Q(email__iexact=address) | Q(username__iexact=address)).exists():
        return settings.LANGUAGE_CODE  # an account from before the setting: the site's language
    return fallback or get_language() or settings.LANGUAGE_CODE
