"""The Simplified Chinese catalogue: complete, compiled, and used by the pages."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from assessment.reasons import Reason, ReasonCode, reason, reason_text
from greenmfg.bilingual import unit_label
from organisations.forms import CompanyForm
from organisations.models import Company, Membership, Role

LC = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
HAN = re.compile(r"[\u4e00-\u9fff]")


def _po_entries(path: Path) -> list[dict[str, str | list[str]]]:
    """Entries of a .po file as {flags, msgctxt, msgid, msgid_plural, msgstr}; enough for makemessages output."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.strip().splitlines() if line and not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        entry: dict[str, str | list[str]] = {"flags": [], "msgctxt": "", "msgid": "", "msgid_plural": "", "msgstr": ""}
        key = ""
        for line in lines:
            if line.startswith("#,"):
                entry["flags"] = [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            else:
                keyword, _, value = line.partition(" ")
                key = "msgstr" if keyword.startswith("msgstr") else keyword
                if keyword == "msgstr[0]" or not keyword.startswith("msgstr["):
                    entry[key] = ast.literal_eval(value)
                else:
                    key = "_other"  # Chinese has one plural form; ignore any others
                    entry[key] = ""
        entries.append(entry)
    return entries


def test_the_chinese_catalogue_is_complete_and_has_no_fuzzy_entries():
    entries = _po_entries(LC / "django.po")
    header, messages = entries[0], entries[1:]
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]
    assert "fuzzy" not in header["flags"]
    assert len(messages) > 600
    assert [e["msgid"] for e in messages if not e["msgstr"]] == []
    assert [e["msgid"] for e in messages if "fuzzy" in e["flags"]] == []
    # Placeholders survive translation.
    placeholder = re.compile(r"%\([a-z_]+\)[sd]")
    for e in messages:
        source = e["msgid_plural"] or e["msgid"]
        assert sorted(placeholder.findall(source)) == sorted(placeholder.findall(e["msgstr"])), e["msgid"]


def test_the_compiled_catalogue_matches_the_po_file():
    # Catches a .po edited without running compilemessages.
    with (LC / "django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for e in _po_entries(LC / "django.po")[1:]:
        if e.get("msgctxt"):  # pgettext: the same msgid in another context ("High" priority)
            assert compiled.pgettext(str(e["msgctxt"]), str(e["msgid"])) == e["msgstr"], e["msgid"]
        elif e["msgid_plural"]:
            assert compiled.ngettext(e["msgid"], e["msgid_plural"], 2) == e["msgstr"], e["msgid"]
        elif e["msgctxt"]:
            assert compiled.pgettext(e["msgctxt"], e["msgid"]) == e["msgstr"], e["msgid"]
        else:
            assert compiled.gettext(e["msgid"]) == e["msgstr"], e["msgid"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "present", "absent"),
    [
        ("zh-hans", ["绿色制造体系", "绿色工厂", "登录", "注册"], ["Rehearse your application", "Log in"]),
        ("en", ["Green Manufacturing System", "Log in", "Sign up"], ["为申报工业和信息化部", "登录"]),
    ],
)
def test_the_landing_page_follows_the_language(client, language, present, absent):
    html = client.get(reverse("landing"), headers={"Accept-Language": language}).content.decode()
    assert all(text in html for text in present), [t for t in present if t not in html]
    assert not any(text in html for text in absent), [t for t in absent if t in html]


@pytest.mark.django_db
def test_login_and_signup_pages_are_in_chinese(client):
    login = client.get(reverse("login"), headers={"Accept-Language": "zh-hans"}).content.decode()
    signup = client.get(reverse("signup"), headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "忘记密码？" in login and "还没有账户？" in login
    assert "创建账户" in signup and "确认密码" in signup
    assert "Forgot your password?" not in login and "Password again" not in signup


@pytest.mark.django_db
def test_empty_select_option_and_choices_are_in_chinese():
    # Django 6.1's "- Select an option -" is not in Django's own zh_Hans catalogue yet; ours has it.
    with translation.override("zh-hans"):
        html = str(CompanyForm()["province"]) + str(CompanyForm()["size"])
    assert "- 请选择 -" in html and "浙江" in html and "中型" in html
    assert "Select an option" not in html
    with translation.override("en"):
        assert "- Select an option -" in str(CompanyForm()["province"])


@pytest.mark.django_db
def test_company_page_shows_the_role_translated(client):
    user = get_user_model().objects.create_user("i18n-owner@example.com", "i18n-owner@example.com", "pw-long-enough-1")
    company = Company.objects.get(pk=9001)
    Membership.objects.create(user=user, company=company, role=Role.EDITOR)
    client.force_login(user)
    url = reverse("company_detail", args=[company.pk])
    zh = client.get(url, headers={"Accept-Language": "zh-hans"}).content.decode()
    en = client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert '<dd class="col-sm-8">编辑者</dd>' in zh
    assert '<dd class="col-sm-8">Editor</dd>' in en


@pytest.mark.parametrize(
    ("unit", "zh"),
    [
        ("tce/product unit", "tce/产品单位"),
        ("10k CNY/m²", "万元/m²"),
        ("100M CNY/km²", "亿元/km²"),
        ("CNY/m³", "元/m³"),
        ("kgoe/(t·energy factor)", "kgoe/(t·能量因数)"),
        ("kgce/t", "kgce/t"),
        ("", ""),
    ],
)
def test_units_are_shown_in_the_active_language(unit, zh):
    with translation.override("zh-hans"):
        assert unit_label(unit) == zh
    with translation.override("en"):
        assert unit_label(unit) == unit


def test_engine_reasons_are_translated_when_shown():
    with translation.override("zh-hans"):
        assert reason_text(reason(ReasonCode.NO_THRESHOLDS)) == "缺少引领值或基准值"
        assert reason_text(reason(ReasonCode.MISSING_INPUTS, names="E, Q")) == "缺少输入数据：E, Q"
        assert reason_text(reason(ReasonCode.UNIT_MISMATCH, source="kgce/kL", target="tce")) == "kgce/kL 无法换算为 tce"
        # A user's own N/A reason is not an engine message: it stays as typed.
        assert reason_text(reason(ReasonCode.NA_GIVEN, text="本厂无锅炉")) == "本厂无锅炉"
        assert reason_text(None) == ""
    with translation.override("en"):
        assert reason_text(reason(ReasonCode.MISSING_INPUTS, names="E, Q")) == "missing input(s): E, Q"


def test_every_reason_code_has_a_chinese_text():
    for code in ReasonCode:
        why = reason(code, text="x") if code == ReasonCode.NA_GIVEN else Reason(code)
        with translation.override("en"):
            english = reason_text(why)
        with translation.override("zh-hans"):
            assert reason_text(why) != english or code == ReasonCode.NA_GIVEN, code
