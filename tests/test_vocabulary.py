"""Each word of the domain is defined once (assessment/vocabulary.py, organisations.models.Role) and
every app uses that one definition and its one label table."""

import ast
from pathlib import Path

import pytest
from django.utils import translation

from assessment import models as assessment_models
from assessment import reports, vocabulary
from organisations.access import Access
from organisations.dashboard import CompanyRow
from organisations.models import MEMBER_ROLES, Invitation, Membership, Role
from policies import models as policy_models

ROOT = Path(__file__).resolve().parent.parent


def test_models_use_the_vocabulary_itself():
    assert assessment_models.CriteriaSet.Rating is vocabulary.Rating
    assert assessment_models.CriteriaSet.NaRule is vocabulary.NaRule
    assert assessment_models.Gate.Kind is vocabulary.GateKind
    assert assessment_models.Answer.Choice is vocabulary.Choice
    assert assessment_models.FocusArea is vocabulary.FocusArea
    assert assessment_models.IndicatorType is vocabulary.IndicatorType
    area_field = policy_models.FocusArea._meta.get_field("code")
    assert list(area_field.choices) == list(vocabulary.FocusArea.choices)
    assert not hasattr(policy_models, "AreaCode")


@pytest.mark.parametrize(
    "enum", [vocabulary.Status, vocabulary.Verdict, vocabulary.Choice, vocabulary.FocusArea, Role], ids=str
)
def test_every_label_is_translated(enum):
    for member in enum:
        with translation.override("en"):
            english = str(member.label)
        with translation.override("zh-hans"):
            assert str(member.label) != english, member


def test_the_report_and_the_pages_share_status_labels_and_verdict_texts():
    card = type("Card", (), {"verdict": vocabulary.Verdict.INCOMPLETE})()
    with translation.override("en"):
        assert reports.status_label("unanswered") == "Not answered" == vocabulary.Status.UNANSWERED.label
        short, sentence = reports.verdict_text(card)
        assert short == "Incomplete" and sentence == vocabulary.verdict_text("incomplete")


def test_consultant_is_a_role_but_not_a_member_role():
    assert Role.CONSULTANT == "consultant"
    assert "consultant" not in dict(MEMBER_ROLES)
    assert Membership._meta.get_field("role").choices == MEMBER_ROLES
    assert Invitation._meta.get_field("role").choices == MEMBER_ROLES


@pytest.mark.parametrize("role", list(Role))
def test_dashboard_rows_ask_access_what_a_role_may_do(role):
    row = CompanyRow(company=None, role=role, assessments=[])  # type: ignore[arg-type]
    assert row.can_edit is Access(role).can_edit
    assert Access(role).can_edit is (role != Role.VIEWER)


# Literals that name a word of the vocabulary; outside migrations and vocabulary.py no Python code
# should compare against them.
WORDS = {
    "positive_quant",
    "reverse_quant",
    "positive_qual",
    "reverse_qual",
    "pass_fail",
    "all_pass",
    "renormalise",
    "not_met",
    "cannot_score",
    "not_eligible",
    "above_reference",
    "below_reference",
    "no_reference",
    "supply_chain",
    "design_product",
    "consultant",
}


def _comparisons(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Constant) and sub.value in WORDS:
                    found.append((node.lineno, sub.value))
    return found


def test_no_code_compares_against_a_vocabulary_literal():
    offenders = []
    for app in ("assessment", "organisations", "standing", "ledger", "policies", "greenmfg"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.name == "vocabulary.py":
                continue
            offenders += [
                f"{path.relative_to(ROOT)}:{line} {word}" for line, word in _comparisons(ast.parse(path.read_text()))
            ]
    assert offenders == []
