"""score_answers, export_criteria / import_criteria and export_demo_answers."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assessment import exchange
from assessment.models import Assessment, CriteriaSet, Indicator

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def demo_dir(tmp_path):
    run("export_demo_answers", "--dir", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    ("name", "total", "verdict", "rating"),
    [
        # Hand check of the factory demo: F01 82 kgce/t vs 80/87 → 8 × 5/7 = 5.714; F04 6/8 × 6 = 4.5; … total 54.48
        ("factory-demo-answers.json", "54.48", "no_reference", ""),
        # Every supply-chain indicator answered: rated on the electronics sector bands, labelled as such.
        ("supply-chain-demo-answers.json", "64.78", "rated", "One star (electronics sector bands, provisional)"),
        # Every park gate answered, the eligibility rules and the 2024 negative list included; no regional reference.
        ("park-demo-answers.json", "64.29", "no_reference", ""),
        ("design-product-demo-answers.json", "100.00", "pass", ""),
    ],
)
def test_score_answers_scores_each_demo(demo_dir, name, total, verdict, rating):
    card = json.loads(run("score_answers", str(demo_dir / name)))
    assert card["total"] == total
    assert card["verdict"] == verdict
    assert card["rating"] == rating
    assert card["categories"] and card["indicators"] and card["gates"]


def test_factory_demo_details(demo_dir):
    card = json.loads(run("score_answers", str(demo_dir / "factory-demo-answers.json"), "--reference", "50"))
    f01 = next(i for i in card["indicators"] if i["code"] == "F01")
    assert (f01["points"], f01["value"], f01["values_from"]) == ("5.71", "0.082000", "sector")
    f06 = next(i for i in card["indicators"] if i["code"] == "F06")
    assert f06["provisional"] is True  # the clinker water quota row is [U]
    assert card["verdict"] == "above_reference"
    # F03 renewable share scores 2 of 8 ((4 − 2)/(10 − 2) = 0.25): full compliance gains 6.00, the most.
    assert card["top_actions"][0] == {"code": "F03", "gain": "6.00"}


@pytest.mark.parametrize(
    "f04",
    [{"count": 6}, {"options": [0, 1, 2, 3, 7, 8]}, {"options": [0, 1, 2, 3, 7, 8], "count": 6}],
    ids=["count", "options", "both"],
)
def test_count_indicator_scores_from_its_ticked_options(demo_dir, f04):
    """The JSON export writes a count indicator's ticked options with their count: score_answers takes the
    options, the count, or both, and scores them alike."""
    path = demo_dir / "factory-demo-answers.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["indicators"]["F04"] = f04
    path.write_text(json.dumps(document), encoding="utf-8")
    card = json.loads(run("score_answers", str(path)))
    assert card["total"] == "54.48"
    assert next(i for i in card["indicators"] if i["code"] == "F04")["points"] == "4.50"


def test_the_apps_json_export_is_scorable(tmp_path):
    """Every key the export writes is one score_answers reads (the demo factory ticks F04's options)."""
    exported = exchange.export_json(Assessment.objects.get(pk=9001))
    assert "options" in exported["indicators"]["F04"]
    card = json.loads(run("score_answers", write(tmp_path, json.dumps(exported))))
    assert next(i for i in card["indicators"] if i["code"] == "F04")["points"] == "4.50"


def test_docs_example_is_scorable():
    card = json.loads(run("score_answers", "docs/examples/factory-demo-answers.json"))
    assert card["criteria_set"] == "factory-gbt36132-2025"


def write(tmp_path, text):
    path = tmp_path / "answers.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"criteria_set": "factory-2030"}', "criteria_set: unknown criteria set 'factory-2030'"),
        (
            '{"criteria_set": "factory-gbt36132-2025", "indicators": {"F99": {"value": "1"}}}',
            "indicators.F99: no such indicator",
        ),
        (
            '{"criteria_set": "factory-gbt36132-2025", "indicators": {"F07": {"inputs": {"V": "lots", "V_r": "1"}}}}',
            "indicators.F07.inputs.V: 'lots' is not a number",
        ),
        ('{"criteria_set": "factory-gbt36132-2025", "indicators": {"F10": {"na": true}}}', "indicators.F10.na_reason"),
        (
            '{"criteria_set": "factory-gbt36132-2025", "indicators": {"F09": {"na": true, "na_reason": "x"}}}',
            "indicators.F09.na: this indicator cannot be marked N/A",
        ),
        ('{"criteria_set": "factory-gbt36132-2025", "gates": {"B9": true}}', "gates.B9: no such gate"),
        (
            '{"criteria_set": "factory-gbt36132-2025", "indicators": {"F01": {"value": "1", "sector_value": "nope"}}}',
            "indicators.F01.sector_value: unknown sector value",
        ),
        (
            '{"criteria_set": "factory-gbt36132-2025", "indicators": {"F01": {"value": "1", "sector_value": "gb-t-18916-2-2022-process-row-bar-rolling"}}}',
            "holds values for F06, not F01",
        ),
        (
            '{"criteria_set": "factory-gbt36132-2025", "indicators": {"F02": {"options": [1]}}}',
            "indicators.F02.options: this indicator has no options to tick",
        ),
        (
            '{"criteria_set": "factory-gbt36132-2025", "indicators": {"F04": {"options": "0,1"}}}',
            "indicators.F04.options: expected a list of option numbers 0–11",
        ),
        (
            '{"criteria_set": "factory-gbt36132-2025", "indicators": {"F04": {"options": [0, 12]}}}',
            "indicators.F04.options: expected a list of option numbers 0–11",
        ),
        (
            '{"criteria_set": "factory-gbt36132-2025", "indicators": {"F04": {"options": [0, 1], "count": 3}}}',
            "indicators.F04.count: 3 does not match the 2 ticked options",
        ),
    ],
)
def test_score_answers_bad_file(tmp_path, content, message):
    with pytest.raises(CommandError) as exc:
        run("score_answers", write(tmp_path, content))
    assert message in str(exc.value)


def test_score_answers_bad_file_exit_code(tmp_path):
    # A real process: the error goes to stderr and the exit code is not 0 (no database needed for bad JSON).
    import os
    import subprocess
    import sys

    path = write(tmp_path, '{"criteria_set": ')
    env = {**os.environ, "DEBUG": "1"}
    proc = subprocess.run([sys.executable, "manage.py", "score_answers", path], capture_output=True, text=True, env=env)
    assert proc.returncode != 0
    assert "not valid JSON" in proc.stderr and proc.stdout == ""


def test_export_import_round_trip(tmp_path):
    out = tmp_path / "factory.json"
    run("export_criteria", "factory-gbt36132-2025", "--out", str(out))
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["format"] == "greenmfg-criteria/1"
    assert "gbt-36132-2025" in document["governing_documents"]
    # Refused while the code exists
    with pytest.raises(CommandError, match="already exists"):
        run("import_criteria", str(out))
    document["code"] = "factory-imported"
    out.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert "imported factory-imported as a draft" in run("import_criteria", str(out))
    imported = CriteriaSet.objects.get(code="factory-imported")
    assert imported.status == "draft"
    # Exporting the import gives the same document (apart from code and status).
    again = json.loads(run("export_criteria", "factory-imported"))
    original = json.loads(run("export_criteria", "factory-gbt36132-2025"))
    for doc in (again, original):
        doc.pop("code"), doc.pop("status")
    assert again == original
    f01 = Indicator.objects.get(category__criteria_set=imported, code="F01")
    assert f01.uses_sector_values and f01.guidance_en.startswith("Enter the evaluation year")
    # A draft can be replaced, a published set cannot.
    assert "imported" in run("import_criteria", str(out), "--replace-draft")
    document["code"] = "supply-chain-gsci-586"
    out.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="only a draft can be replaced"):
        run("import_criteria", str(out), "--replace-draft")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d.update(governing_documents=["no-such-policy"]),
            "governing_documents: unknown policy document code(s) no-such-policy",
        ),
        (lambda d: d["categories"][0]["indicators"][0].update(points="lots"), "categories[0].indicators[0].points"),
        (lambda d: d.update(colour="green"), "set.colour: unknown key"),
        (lambda d: d.pop("format"), "format: expected"),
    ],
)
def test_import_bad_file(tmp_path, mutate, message):
    document = json.loads(run("export_criteria", "park-miit-2024"))
    document["code"] = "park-bad"
    mutate(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        run("import_criteria", str(path))
    assert message in str(exc.value)
    assert not CriteriaSet.objects.filter(code="park-bad").exists()
