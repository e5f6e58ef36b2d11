"""Download names keep the company's name, safely: no path separators, Chinese kept (RFC 6266 encoding)."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from assessment.models import Report
from assessment.reports import download_name
from greenmfg.filenames import file_part
from tests.worlds import make_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("厦门/福州 建材有限公司", "厦门-福州 建材有限公司"),
        ("../../etc/passwd", "etc-passwd"),
        ('A "B" <C>: D?*|', "A -B- -C- D"),
        ("  ..  ", "company"),
        ("x" * 200, "x" * 80),
    ],
)
def test_file_part(name, part):
    assert file_part(name) == part


def test_report_and_export_names_keep_the_company_name(client):
    world = make_world()
    world.company.name = "厦门/福州 Ceramics"
    world.company.save()
    report = Report.objects.create(assessment=world.assessment, language="zh-hans", fingerprint="x")
    assert download_name(report).startswith("厦门-福州 Ceramics-")
    response = world.client("viewer").get(reverse("assessment_export_json", args=[world.assessment.pk]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert quote("厦门-福州 Ceramics-") in disposition and "/" not in disposition.split("''", 1)[1]
