"""E-mails in the recipient's language: an account keeps the language it signed up in (or last chose)."""

import pytest
from django.core import mail
from django.urls import reverse

from organisations import identity, preferences
from organisations.models import AccountSettings, Company
from tests.factories import VALID_CODE, licence_png, make_company, make_consultancy, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "Gr33n-language-test"


def sign_up(client, email: str, language: str):  # noqa: ANN001, ANN201
    return client.post(
        reverse("signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_the_account_keeps_the_language_it_signed_up_in_and_the_switcher_changes_it(client):
    sign_up(client, "anna@example.com", "en")
    assert AccountSettings.objects.get(user__email="anna@example.com").language == "en"
    assert mail.outbox[-1].subject == "Confirm your email address for greenmfg"
    sign_up(client, "bo@example.com", "zh-hans")
    assert mail.outbox[-1].subject == "确认您在 greenmfg 的邮箱地址"
    # Logged in, the language switcher also sets the language of the account's e-mails.
    user = AccountSettings.objects.get(user__email="anna@example.com").user
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert preferences.language_of(user) == "zh-hans"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert preferences.language_of(user) == "zh-hans"


def test_a_second_sign_up_warns_the_account_in_its_own_language(client):
    sign_up(client, "anna@example.com", "en")
    sign_up(client, "anna@example.com", "zh-hans")  # someone else, with a Chinese browser
    assert mail.outbox[-1].to == ["anna@example.com"]
    assert mail.outbox[-1].subject == "Someone tried to sign up with your address on greenmfg"


def test_each_former_owner_is_told_of_a_transfer_in_their_language(django_capture_on_commit_callbacks):
    english, chinese = make_user("en-owner@example.com"), make_user("zh-owner@example.com")
    preferences.remember_language(english, "en")
    preferences.remember_language(chinese, "zh-hans")
    company = make_company("Held Co", owner=english)
    Company.objects.filter(pk=company.pk).update(credit_code=VALID_CODE)
    company.memberships.create(user=chinese, role="owner")
    claim = identity.open_claim(
        company=company,
        claimant=make_user("real@example.com"),
        company_name="Real Co",
        contact_name="Li",
        contact_phone="0592 123456",
        licence=licence_png(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        identity.approve_claim(claim, by=make_user("staff@example.com"))
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["en-owner@example.com"] == "Real Co: the company was transferred to its verified owner"
    assert "公司" in subjects["zh-owner@example.com"] or "企业" in subjects["zh-owner@example.com"]
    assert "transferred" not in subjects["zh-owner@example.com"]


def test_an_invitation_to_an_account_is_in_its_language_otherwise_in_the_senders(client):
    admin = make_user("lead@consult.example")
    firm = make_consultancy(admin=admin)
    member = make_user("colleague@consult.example")
    preferences.remember_language(member, "zh-hans")
    client.force_login(admin)
    url = reverse("consultant_add", args=[firm.pk])
    client.post(url, {"email": "colleague@consult.example"}, HTTP_ACCEPT_LANGUAGE="en")
    client.post(url, {"email": "newcomer@consult.example"}, HTTP_ACCEPT_LANGUAGE="en")
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "咨询机构" in by_address["colleague@consult.example"].subject
    assert by_address["newcomer@consult.example"].subject.startswith("You are invited to join the consultancy")
