"""Reference-value libraries: a consultancy's values offered to every client that granted it access, named with
their source wherever they score; the points resting on self-set or consultancy yardsticks are counted."""

import io
from decimal import Decimal as D
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from assessment import reports
from assessment.answers import load_questionnaire, yardsticks_of
from assessment.management.commands.score_answers import score_document
from assessment.models import Answer, Assessment, CriteriaSet, Library, SectorValue
from assessment.scoring import round_points
from ledger.models import DataSheet
from organisations.models import AccessGrant, Consultancy, Role, Sector
from tests.factories import consultancy_library, make_company, make_sheet, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm_library() -> dict[str, Any]:
    library = consultancy_library(
        "绿色顾问水效研究", "Green Advisors water study", "Survey of 40 Zhejiang cement plants, 2025"
    )
    firm = library.consultancy
    row = SectorValue.objects.create(
        key="green-advisors-f07-cement",
        area="factory",
        indicator_code="F07",
        sector=Sector.objects.get(code="30"),
        product_zh="水泥",
        product_en="Cement",
        standard="GA survey",
        edition="2025",
        unit="%",
        leading=D(95),
        benchmark=D(85),
        mark="S",
        library=library,
    )
    return {"firm": firm, "library": library, "row": row}


def client_company(firm: Consultancy, *, granted: bool = True) -> tuple[Any, Assessment]:
    company = make_company("Ledger Cement Co", sector=Sector.objects.get(code="30"), province="ZJ")
    owner = member(company, "owner", Role.OWNER)
    if granted:
        AccessGrant.objects.create(company=company, consultancy=firm)
    make_sheet(company, water_intake=D(5000), water_reused=D(45000))
    assessment = Assessment.objects.create(
        company=company, criteria_set=CriteriaSet.objects.latest_published("factory"), year=2025, created_by=owner
    )
    return owner, assessment


def pick(client: Any, assessment: Assessment, row: SectorValue) -> Any:
    return client.post(
        reverse("assessment_answer", args=[assessment.pk, "F07"]),
        {"F07-sector_value": str(row.pk), "F07-version": "0"},
        HTTP_X_AUTOSAVE="1",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def fresh(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_related("company__sector", "criteria_set").get(pk=assessment.pk)


def test_two_clients_pick_the_consultancy_row_and_see_its_source(client: Any, firm_library: dict[str, Any]) -> None:
    for _ in range(2):
        owner, assessment = client_company(firm_library["firm"])
        client.force_login(owner)
        page = client.get(reverse("assessment_category", args=[assessment.pk, "resource"]), HTTP_ACCEPT_LANGUAGE="en")
        assert "Green Advisors water study (Survey of 40 Zhejiang cement plants, 2025)" in page.content.decode()
        assert pick(client, assessment, firm_library["row"]).status_code == 200
        questionnaire = load_questionnaire(fresh(assessment))
        f07 = next(r for r in questionnaire.scorecard.indicators if r.code == "F07")
        # 45 000 / 50 000 = 90 % from the data sheet, between benchmark 85 and leading 95: half the points
        assert (f07.values_from, f07.fraction) == ("sector", D("0.5"))
        assert f07.points > 0
        found = yardsticks_of(questionnaire)
        assert found.consultancy == f07.points
        source = found.source_of("F07")
        assert source is not None and source.owner == "consultancy"
        assert source.text("en") == "Green Advisors water study (Survey of 40 Zhejiang cement plants, 2025)"
        assert source.text("zh-hans") == "绿色顾问水效研究 (Survey of 40 Zhejiang cement plants, 2025)"
        results = client.get(reverse("assessment_indicators", args=[assessment.pk]), HTTP_ACCEPT_LANGUAGE="en")
        assert results.status_code == 200
        body = results.content.decode()
        assert (
            "Yardstick: Consultancy library · Green Advisors water study (Survey of 40 Zhejiang cement plants, 2025)"
        ) in body
        with translation.override("en"):
            html = reports.render_html(fresh(assessment), language="en")
        assert "Green Advisors water study · Survey of 40 Zhejiang cement plants, 2025" in html


def test_a_company_without_a_grant_neither_sees_nor_uses_the_row(client: Any, firm_library: dict[str, Any]) -> None:
    owner, assessment = client_company(firm_library["firm"], granted=False)
    client.force_login(owner)
    page = client.get(reverse("assessment_category", args=[assessment.pk, "resource"]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Green Advisors" not in page.content.decode()
    response = pick(client, assessment, firm_library["row"])
    assert response.status_code == 422
    assert response.json()["errors"]["sector_value"] == ["Choose a value from the list."]
    assert not Answer.objects.filter(assessment=assessment, code="F07").exists()


def test_a_revoked_grant_hides_the_library(client: Any, firm_library: dict[str, Any]) -> None:
    owner, assessment = client_company(firm_library["firm"])
    AccessGrant.objects.filter(company=assessment.company).update(revoked_at=timezone.now())
    client.force_login(owner)
    assert pick(client, assessment, firm_library["row"]).status_code == 422


def test_the_summary_counts_self_set_and_consultancy_points(client: Any, firm_library: dict[str, Any]) -> None:
    owner, assessment = client_company(firm_library["firm"])
    client.force_login(owner)
    pick(client, assessment, firm_library["row"])
    # F08 on the company's own typed values: 41 000 / (42 000 + 3 000) = 91.1 % between 80 and 98
    DataSheet.objects.filter(company=assessment.company).update(
        waste_generated=42000, waste_utilised=41000, waste_stored_utilised=3000
    )
    from ledger.sheets import recompute  # noqa: PLC0415

    recompute(DataSheet.objects.prefetch_related("uses", "products").get(company=assessment.company))
    Answer.objects.create(
        assessment=assessment, code="F08", leading=D(98), benchmark=D(80), values_source="our 2030 target"
    )
    questionnaire = load_questionnaire(fresh(assessment))
    by_code = {r.code: r for r in questionnaire.scorecard.indicators}
    found = yardsticks_of(questionnaire)
    assert found.self_set == by_code["F08"].points > 0
    assert found.consultancy == by_code["F07"].points
    assert found.not_official == by_code["F07"].points + by_code["F08"].points
    # one figure everywhere: questionnaire page, results page, PDF and CLI
    expected = (
        f"{round_points(found.not_official)} of {round_points(found.total)} points rest on self-set yardsticks "
        f"({round_points(found.consultancy)} of them on consultancy values)."
    )
    page = client.get(reverse("assessment_category", args=[assessment.pk, "resource"]), HTTP_ACCEPT_LANGUAGE="en")
    assert expected in page.content.decode()
    results = client.get(reverse("assessment_results", args=[assessment.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert expected in results.content.decode()
    assert results.context["yardsticks_sentence"] == expected
    with translation.override("en"):
        context = reports.build_context(fresh(assessment), language="en")
    assert context["yardsticks_sentence"] == expected
    reader = PdfReader(io.BytesIO(reports.render_pdf(fresh(assessment), language="en").data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert expected in text
    assert "Green Advisors water study" in text
    with translation.override("zh-hans"):
        zh = reports.build_context(fresh(assessment), language="zh-hans")["yardsticks_sentence"]
    assert "self-set" not in zh and str(round_points(found.not_official)) in zh


def test_the_cli_names_every_yardstick_and_counts_the_same_points(firm_library: dict[str, Any]) -> None:
    _owner, assessment = client_company(firm_library["firm"])
    Answer.objects.create(assessment=assessment, code="F07", sector_value=firm_library["row"])
    Answer.objects.create(
        assessment=assessment, code="F08", leading=D(98), benchmark=D(80), values_source="our 2030 target"
    )
    Answer.objects.create(assessment=assessment, code="F01", inputs={"E": "1000", "Q": "10000"})
    found = yardsticks_of(load_questionnaire(fresh(assessment)))
    document = {
        "criteria_set": assessment.criteria_set.code,
        "year": 2025,
        "indicators": {
            "F07": {"inputs": {"V": "5000", "V_r": "45000"}, "sector_value": "green-advisors-f07-cement"},
            "F08": {
                "inputs": {"Z": "42000", "Z_r": "41000", "Z_w": "3000"},
                "leading": "98",
                "benchmark": "80",
                "values_source": "our 2030 target",
            },
        },
    }
    with translation.override("en"):
        card = score_document(document, sector="30")
    yardsticks = card["yardsticks"]
    sources = {s["code"]: s for s in yardsticks["sources"]}
    assert sources["F07"] == {
        "code": "F07",
        "owner": "consultancy",
        "owner_label": "Consultancy library",
        "source": "Green Advisors water study (Survey of 40 Zhejiang cement plants, 2025)",
    }
    assert sources["F08"]["owner"] == "user" and sources["F08"]["source"] == "our 2030 target"
    assert D(yardsticks["consultancy"]) == found.consultancy > 0
    assert D(yardsticks["not_official"]) > D(yardsticks["consultancy"])
    assert "points rest on self-set yardsticks" in yardsticks["summary"]


def test_library_owner_must_match_its_link(firm_library: dict[str, Any]) -> None:
    from django.db import IntegrityError, transaction  # noqa: PLC0415

    with pytest.raises(IntegrityError), transaction.atomic():
        Library.objects.create(
            owner=Library.Owner.PLATFORM, consultancy=firm_library["firm"], name_zh="x", name_en="x", source="x"
        )


def test_national_policy_figures_show_beside_the_input_but_never_score(
    client: Any, firm_library: dict[str, Any]
) -> None:
    owner, assessment = client_company(firm_library["firm"], granted=False)
    client.force_login(owner)
    body = client.get(
        reverse("assessment_category", args=[assessment.pk, "resource"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "National policy context (not used for scoring)" in body
    assert "target about 94 % by 2025" in body
    f07 = next(r for r in load_questionnaire(fresh(assessment)).scorecard.indicators if r.code == "F07")
    assert f07.values_from == "" and f07.points == 0  # no yardstick given: the policy figure is not one


def test_a_snapshot_names_the_same_library_and_counts_the_same_points(firm_library: dict[str, Any]) -> None:
    """Submitted assessments are read from their snapshot: the embedded row keeps its key, so the count agrees."""
    from assessment import submission  # noqa: PLC0415
    from assessment.answers import yardsticks_of_card  # noqa: PLC0415
    from assessment.specs import parse_answers  # noqa: PLC0415

    _owner, assessment = client_company(firm_library["firm"])
    Answer.objects.create(assessment=assessment, code="F07", sector_value=firm_library["row"])
    Answer.objects.create(
        assessment=assessment, code="F08", leading=D(98), benchmark=D(80), values_source="our 2030 target"
    )
    live = submission.live_state(fresh(assessment))
    frozen = parse_answers(submission.snapshot_answers(live), live.spec)
    from_live = yardsticks_of_card(live.card, live.answers)
    from_snapshot = yardsticks_of_card(live.card, frozen)
    assert from_snapshot == from_live
    assert from_snapshot.source_of("F07").owner == "consultancy"
