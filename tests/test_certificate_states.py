"""A management certificate is valid, expired, or not yet valid on a given day, and says which.

A certificate whose validity had not started used to be printed as "expired"; the company's
certificate page, the PDF report and the filing pack's self-evaluation now show its own state.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from assessment import filing, reports
from organisations.certificates import certificate_rows
from organisations.models import CertificateState, ManagementCertificate, Role
from tests.factories import member
from tests.report_world import make_assessment, make_company, pdf_text

pytestmark = pytest.mark.django_db

TODAY = date.today()
WORDS = {
    "en": {"valid": "Valid", "expired": "Expired", "not_yet_valid": "Not yet valid"},
    "zh-hans": {"valid": "有效", "expired": "已过期", "not_yet_valid": "尚未生效"},
}
FLAGS = {
    "en": {"expired": "expired", "not_yet_valid": "not yet valid"},
    "zh-hans": {"expired": "已过期", "not_yet_valid": "尚未生效"},
}


def three_certificates(company) -> None:  # noqa: ANN001
    """One certificate in each state today: VALID-1, EXPIRED-1, FUTURE-1."""
    ManagementCertificate.objects.create(
        company=company,
        system="iso14001",
        number="VALID-1",
        valid_from=TODAY - timedelta(days=30),
        valid_until=TODAY + timedelta(days=30),
    )
    ManagementCertificate.objects.create(
        company=company, system="iso50001", number="EXPIRED-1", valid_until=TODAY - timedelta(days=1)
    )
    ManagementCertificate.objects.create(
        company=company,
        system="iso9001",
        number="FUTURE-1",
        valid_from=TODAY + timedelta(days=1),
        valid_until=TODAY + timedelta(days=400),
    )


def row_of(html: str, number: str) -> str:
    """The table row (or line) that holds a certificate number."""
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, flags=re.S) if number in row]
    assert len(rows) == 1, number
    return rows[0]


# --- the state on a day --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "day", "state"),
    [
        (date(2026, 1, 1), date(2028, 12, 31), date(2026, 1, 1), CertificateState.VALID),  # first day
        (date(2026, 1, 1), date(2028, 12, 31), date(2028, 12, 31), CertificateState.VALID),  # last day
        (None, date(2028, 12, 31), date(2000, 1, 1), CertificateState.VALID),  # no start date: valid until it ends
        (date(2026, 1, 1), date(2028, 12, 31), date(2029, 1, 1), CertificateState.EXPIRED),
        (None, date(2028, 12, 31), date(2029, 1, 1), CertificateState.EXPIRED),
        (date(2026, 1, 1), date(2028, 12, 31), date(2025, 12, 31), CertificateState.NOT_YET_VALID),
    ],
)
def test_the_state_on_a_day(valid_from, valid_until, day, state):
    certificate = ManagementCertificate(system="iso14001", valid_from=valid_from, valid_until=valid_until)
    assert certificate.state_on(day) == state


def test_the_rows_carry_the_state_of_each_certificate():
    company = make_company()
    three_certificates(company)
    states = {row.number: row.state for row in certificate_rows(company, TODAY)}
    assert states == {
        "VALID-1": CertificateState.VALID,
        "EXPIRED-1": CertificateState.EXPIRED,
        "FUTURE-1": CertificateState.NOT_YET_VALID,
    }


# --- where the state is shown --------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_certificate_page_shows_each_state(client, language):
    company = make_company()
    three_certificates(company)
    client.force_login(member(company, "viewer", Role.VIEWER))
    html = client.get(reverse("company_certificates", args=[company.pk]), HTTP_ACCEPT_LANGUAGE=language)
    html = html.content.decode()
    words = WORDS[language]
    for number, state in (("VALID-1", "valid"), ("EXPIRED-1", "expired"), ("FUTURE-1", "not_yet_valid")):
        badge = re.search(r'<span class="badge[^"]*">([^<]+)</span>', row_of(html, number)).group(1)
        assert badge == words[state], (number, badge)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("template", [reports.TEMPLATE, filing.TEMPLATE])
def test_the_report_and_the_self_evaluation_flag_expired_and_not_yet_valid(language, template):
    company = make_company()
    three_certificates(company)
    assessment = make_assessment(company=company)
    with translation.override(language):
        html = render_to_string(template, reports.build_context(assessment, language=language))
    flags = FLAGS[language]
    assert 'class="flag"' not in row_of(html, "VALID-1")
    assert f'<span class="flag">{flags["expired"]}</span>' in row_of(html, "EXPIRED-1")
    assert f'<span class="flag">{flags["not_yet_valid"]}</span>' in row_of(html, "FUTURE-1")
    assert flags["expired"] not in row_of(html, "FUTURE-1")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pdf_prints_each_state_once(language):
    company = make_company()
    three_certificates(company)
    text, _reader = pdf_text(reports.render_pdf(make_assessment(company=company), language=language).data)
    flat = text.replace("\n", "")
    for number in ("VALID-1", "EXPIRED-1", "FUTURE-1"):
        assert number in flat
    flags = FLAGS[language]
    assert flat.count(flags["not_yet_valid"]) == 1
    assert flat.count(flags["expired"]) == 1


def test_a_kept_report_is_made_again_once_a_certificate_starts():
    company = make_company()
    assessment = make_assessment(company=company)
    ManagementCertificate.objects.create(
        company=company,
        system="iso14001",
        number="STARTS",
        valid_from=date(2030, 6, 1),
        valid_until=date(2033, 5, 31),
    )
    with time_machine.travel(datetime(2030, 5, 30, 12, tzinfo=UTC), tick=False) as traveller:
        before = reports.fingerprint(assessment, language="en")
        traveller.shift(timedelta(hours=12))  # still before it starts
        assert reports.fingerprint(assessment, language="en") == before
        traveller.shift(timedelta(days=2))
        assert reports.fingerprint(assessment, language="en") != before
