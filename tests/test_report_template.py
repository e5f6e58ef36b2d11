"""A consultancy's report template: brand colours (hex, readable on paper) and contact lines, set once by
its administrator and used by every report its consultants make (cover, footer, sign-off)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from assessment import reports
from organisations.branding import normalise_colour, report_template, validate_contact_lines, validate_hex_colour
from organisations.models import AccessGrant, Consultancy, Consultant, Role
from tests.factories import make_user, member
from tests.report_world import make_assessment, make_company, pdf_text

pytestmark = pytest.mark.django_db

CONTACT = "杭州市西湖区文三路 100 号\n电话 0571-8888 0000\nwww.example.cn"


@pytest.mark.parametrize("value", ["#17613a", "#1D4E89", "#123", ""])
def test_valid_colours(value):
    validate_hex_colour(value)


@pytest.mark.parametrize(
    ("value", "code"), [("green", "format"), ("#12345g", "format"), ("17613a", "format"), ("#fafafa", "contrast")]
)
def test_invalid_colours(value, code):
    with pytest.raises(ValidationError) as error:
        validate_hex_colour(value)
    assert error.value.code == code


def test_colour_normalised_and_template_falls_back_to_the_brand_colour():
    assert normalise_colour(" #ABC ") == "#aabbcc"
    firm = Consultancy(name="x", brand_colour="#1d4e89", accent_colour="", contact_lines=" a \n\n b ")
    assert report_template(firm) == {"brand": "#1d4e89", "accent": "#1d4e89", "contact": ["a", "b"]}
    # Whatever got into the database, only a hex colour reaches the stylesheet.
    firm.brand_colour = "red;}</style><script>"
    assert report_template(firm)["brand"] == ""
    with pytest.raises(ValidationError):
        validate_contact_lines("1\n2\n3\n4\n5")
    with pytest.raises(ValidationError):
        validate_contact_lines("x" * 81)


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "en",
            ["Enter a colour as # and six hexadecimal digits", "This colour is too light to read on white paper"],
        ),
        ("zh-hans", ["请用 # 加六位十六进制数字输入颜色", "这个颜色太浅，印在白纸上难以阅读"]),
    ],
)
def test_settings_form_refuses_bad_colours_in_the_users_language_and_keeps_the_input(client, language, messages):
    admin = make_user("admin@firm.test")
    firm = Consultancy.objects.create(name="Blue Advisors")
    Consultant.objects.create(user=admin, consultancy=firm, is_admin=True)
    client.force_login(admin)
    url = reverse("consultancy_detail", args=[firm.pk])
    data = {"name": firm.name, "brand_colour": "navy", "accent_colour": "#eeeeee", "contact_lines": CONTACT}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    text = response.content.decode()
    for message in messages:
        assert message in text
    assert "navy" in text and "文三路 100 号" in text
    firm.refresh_from_db()
    assert firm.brand_colour == "" and firm.contact_lines == ""

    response = client.post(url, data | {"brand_colour": "#1D4E89", "accent_colour": "#8a5a00"})
    assert response.status_code == 302
    firm.refresh_from_db()
    assert (firm.brand_colour, firm.accent_colour, firm.contact_lines) == ("#1d4e89", "#8a5a00", CONTACT)


def test_a_non_admin_consultant_cannot_change_the_template(client):
    firm = Consultancy.objects.create(name="Blue Advisors")
    colleague = make_user("member@firm.test")
    Consultant.objects.create(user=colleague, consultancy=firm)
    client.force_login(colleague)
    response = client.post(reverse("consultancy_detail", args=[firm.pk]), {"name": "x", "brand_colour": "#000000"})
    assert response.status_code == 403
    firm.refresh_from_db()
    assert firm.brand_colour == ""


def test_consultants_reports_use_the_template_on_cover_footer_and_sign_off(client):
    company = make_company()
    owner = member(company, "owner", Role.OWNER)
    assessment = make_assessment(company=company, user=owner)
    firm = Consultancy.objects.create(
        name="蓝天咨询", brand_colour="#1d4e89", accent_colour="#8a5a00", contact_lines=CONTACT
    )
    consultant = make_user("consultant")
    Consultant.objects.create(user=consultant, consultancy=firm)
    AccessGrant.objects.create(company=company, consultancy=firm, granted_by=owner)
    before = reports.fingerprint(assessment, language="zh-hans", consultancy=firm)

    client.force_login(consultant)
    client.post(reverse("report_request", args=[assessment.pk]), {"language": "zh-hans"})
    report = assessment.reports.get()
    assert report.consultancy == firm  # the consultant's report carries the template

    html = reports.render_html(assessment, language="zh-hans", consultancy=firm)
    assert "h2 { color: #1d4e89; border-bottom-color: #1d4e89; }" in html
    assert ".code, .gain, h3.group .pts, .gate-pass .state { color: #8a5a00; }" in html
    with translation.override("zh-hans"):
        pdf = reports.render_pdf(assessment, language="zh-hans", consultancy=firm)
    text, reader = pdf_text(pdf.data)
    cover = reader.pages[0].extract_text()
    assert "蓝天咨询" in cover and "电话 0571-8888 0000" in cover
    last = reader.pages[-1].extract_text()
    assert "www.example.cn" in last  # sign-off: prepared by, with the contact lines
    assert "蓝天咨询 · 杭州市西湖区文三路 100 号" in reader.pages[2].extract_text()  # footer

    firm.brand_colour = "#000000"
    firm.save()
    assert reports.fingerprint(assessment, language="zh-hans", consultancy=firm) != before
    # A member's report has no consultancy and no template.
    assert "<style>" not in reports.render_html(assessment, language="zh-hans")
