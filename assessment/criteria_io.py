"""Moving criteria sets around: export to JSON, import as a draft, clone as a new draft version.

The export carries every content field (both languages, guidance, marks, sources) plus policy
basis codes, so a set exported from one installation imports unchanged into another.
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from assessment.models import Category, CriteriaSet, Gate, Indicator
from policies.models import PolicyDocument

FORMAT = "greenmfg-criteria/1"
# Relations and bookkeeping are written separately (or not at all).
SKIP = {"id", "criteria_set", "category", "parent", "previous", "created_at", "updated_at", "status"}


class CriteriaImportError(ValueError):
    """The file cannot be imported; the message names the offending key."""


def _plain(obj: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.is_relation or f.name in SKIP:
            continue
        value = getattr(obj, f.attname)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        data[f.name] = value
    return data


def _codes(manager: Any) -> list[str]:
    return sorted(manager.values_list("code", flat=True))


def export_criteria(criteria_set: CriteriaSet) -> dict[str, Any]:
    """A criteria set as a JSON-able document (format `greenmfg-criteria/1`)."""
    data = _plain(criteria_set)
    data["format"] = FORMAT
    data["status"] = criteria_set.status
    data["previous"] = criteria_set.previous.code if criteria_set.previous is not None else None
    data["governing_documents"] = _codes(criteria_set.governing_documents)
    data["gates"] = [_plain(g) | {"policy_basis": _codes(g.policy_basis)} for g in criteria_set.gates.all()]
    data["categories"] = [
        _plain(c)
        | {
            "indicators": [
                _plain(i)
                | {"parent": i.parent.code if i.parent is not None else None, "policy_basis": _codes(i.policy_basis)}
                for i in c.indicators.select_related("parent").prefetch_related("policy_basis")
            ]
        }
        for c in criteria_set.categories.all()
    ]
    return data


def _fields(model: type[models.Model], raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Known plain fields of `model` from `raw`, converted and checked; unknown keys are refused."""
    allowed = {f.name: f for f in model._meta.concrete_fields if not f.is_relation and f.name not in SKIP}
    fields = {}
    for key, value in raw.items():
        if key not in allowed:
            raise CriteriaImportError(f"{where}.{key}: unknown key")
        try:
            fields[key] = allowed[key].to_python(value)
        except ValidationError as exc:
            raise CriteriaImportError(f"{where}.{key}: {'; '.join(exc.messages)}") from None
    return fields


def _policies(codes: Any, where: str) -> list[PolicyDocument]:
    if not isinstance(codes, list):
        raise CriteriaImportError(f"{where}: expected a list of policy document codes")
    found = {p.code: p for p in PolicyDocument.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise CriteriaImportError(f"{where}: unknown policy document code(s) {', '.join(map(str, missing))}")
    return [found[c] for c in codes]


def _pop(raw: dict[str, Any], key: str, where: str, kind: type = list) -> Any:
    value = raw.pop(key, kind())
    if not isinstance(value, kind):
        raise CriteriaImportError(f"{where}.{key}: expected a {kind.__name__}")
    return value


@transaction.atomic
def import_criteria(document: Any, *, replace_draft: bool = False) -> CriteriaSet:
    """Create a draft criteria set from an exported document.

    An existing set with the same code is refused, unless it is a draft and `replace_draft` is set.
    """
    if not isinstance(document, dict):
        raise CriteriaImportError("the file must contain a JSON object")
    raw = dict(document)
    if raw.pop("format", None) != FORMAT:
        raise CriteriaImportError(f"format: expected {FORMAT!r}")
    raw.pop("status", None)  # imports always start as drafts
    code = raw.get("code")
    if not code or not isinstance(code, str):
        raise CriteriaImportError("code: missing")
    existing = CriteriaSet.objects.filter(code=code).first()
    if existing is not None:
        if not replace_draft:
            raise CriteriaImportError(
                f"code: a criteria set {code!r} already exists (use --replace-draft to replace a draft)"
            )
        if existing.status != CriteriaSet.Status.DRAFT:
            raise CriteriaImportError(f"code: {code!r} is {existing.status}; only a draft can be replaced")
        existing.delete()

    previous_code = raw.pop("previous", None)
    governing = _policies(_pop(raw, "governing_documents", "governing_documents"), "governing_documents")
    gates = _pop(raw, "gates", "gates")
    categories = _pop(raw, "categories", "categories")
    criteria_set = CriteriaSet(**_fields(CriteriaSet, raw, "set"), status=CriteriaSet.Status.DRAFT)
    criteria_set.previous = CriteriaSet.objects.filter(code=previous_code).first() if previous_code else None
    _save(criteria_set, "set")
    criteria_set.governing_documents.set(governing)

    for n, gate_raw in enumerate(gates):
        where = f"gates[{n}]"
        gate_raw = dict(gate_raw)
        policies = _policies(_pop(gate_raw, "policy_basis", where), f"{where}.policy_basis")
        gate = Gate(criteria_set=criteria_set, **_fields(Gate, gate_raw, where))
        _save(gate, where)
        gate.policy_basis.set(policies)

    for n, category_raw in enumerate(categories):
        _import_category(criteria_set, dict(category_raw), f"categories[{n}]")
    return criteria_set


def _import_category(criteria_set: CriteriaSet, category_raw: dict[str, Any], where: str) -> None:
    """One category and its indicators; a level-3 indicator's parent is linked once all exist."""
    indicators = _pop(category_raw, "indicators", where)
    category = Category(criteria_set=criteria_set, **_fields(Category, category_raw, where))
    _save(category, where)
    created: dict[str, Indicator] = {}
    pending_parents = []
    for m, indicator_raw in enumerate(indicators):
        iwhere = f"{where}.indicators[{m}]"
        indicator_raw = dict(indicator_raw)
        parent = indicator_raw.pop("parent", None)
        policies = _policies(_pop(indicator_raw, "policy_basis", iwhere), f"{iwhere}.policy_basis")
        indicator = Indicator(category=category, **_fields(Indicator, indicator_raw, iwhere))
        _save(indicator, iwhere)
        indicator.policy_basis.set(policies)
        created[indicator.code] = indicator
        if parent:
            pending_parents.append((indicator, parent, iwhere))
    for indicator, parent, iwhere in pending_parents:
        if parent not in created:
            raise CriteriaImportError(f"{iwhere}.parent: no indicator {parent!r} in this category")
        indicator.parent = created[parent]
        indicator.save(update_fields=["parent"])


def _save(obj: models.Model, where: str) -> None:
    try:
        obj.full_clean(exclude=["criteria_set", "category", "parent", "previous"], validate_unique=False)
    except ValidationError as exc:
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise CriteriaImportError(f"{where}: {detail}") from None
    obj.save()


def next_draft_code(code: str) -> str:
    base = code.split("-draft-")[0]
    n = 1
    while CriteriaSet.objects.filter(code=f"{base}-draft-{n}").exists():
        n += 1
    return f"{base}-draft-{n}"


@transaction.atomic
def clone_criteria_set(original: CriteriaSet, *, code: str | None = None, version: str | None = None) -> CriteriaSet:
    """A deep copy as a new draft version: gates, categories, indicators (with parents and policy basis)."""
    document = export_criteria(original)
    document["code"] = code or next_draft_code(original.code)
    if version:
        document["version"] = version
    document["previous"] = original.code
    return import_criteria(document)


def replaced_sets(criteria_set: CriteriaSet) -> list[CriteriaSet]:
    """The published sets a draft replaces when published: its previous version and any published set
    of the same area and version (two of those may not be published together)."""
    published = CriteriaSet.objects.filter(area=criteria_set.area, status=CriteriaSet.Status.PUBLISHED)
    return list(
        published.filter(models.Q(pk=criteria_set.previous_id) | models.Q(version=criteria_set.version))
        .exclude(pk=criteria_set.pk)
        .order_by("code")
    )


def version_taken_by(criteria_set: CriteriaSet, *, retiring: set[int]) -> CriteriaSet | None:
    """A published set that shares the draft's area and version and is not being retired with it."""
    taken: CriteriaSet | None = (
        CriteriaSet.objects.filter(
            area=criteria_set.area, version=criteria_set.version, status=CriteriaSet.Status.PUBLISHED
        )
        .exclude(pk__in=[criteria_set.pk, *retiring])
        .first()
    )
    return taken
