"""A company's assessments of one focus area as a series by evaluation year (plain data, no ORM)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from greenmfg.bilingual import pick


@dataclass(frozen=True)
class YearScore:
    year: int
    assessment_id: int
    criteria_set: str
    criteria: Mapping[str, Any]
    scorecard: Mapping[str, Any]


@dataclass(frozen=True)
class Change:
    """What changed in the criteria between two consecutive years of the series."""

    year: int
    before: str
    after: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    repointed: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # code, points before, after

    @property
    def any(self) -> bool:
        return bool(self.before != self.after or self.added or self.removed or self.repointed)


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    kind: str  # "total", "category" or "indicator"
    cells: list[Decimal | None]
    maximum: Decimal


def _indicator_points(criteria: Mapping[str, Any]) -> dict[str, Decimal]:
    return {
        i["code"]: Decimal(str(i["points"])) for c in criteria.get("categories", []) for i in c.get("indicators", [])
    }


def criteria_change(year: int, before: YearScore, after: YearScore) -> Change:
    old, new = _indicator_points(before.criteria), _indicator_points(after.criteria)
    return Change(
        year=year,
        before=before.criteria_set,
        after=after.criteria_set,
        added=sorted(set(new) - set(old)),
        removed=sorted(set(old) - set(new)),
        repointed=[(code, old[code], new[code]) for code in sorted(set(old) & set(new)) if old[code] != new[code]],
    )


def changes(series: Sequence[YearScore]) -> list[Change]:
    found = [criteria_change(b.year, a, b) for a, b in zip(series, series[1:], strict=False)]
    return [c for c in found if c.any]


def one_per_year(items: Sequence[YearScore]) -> list[YearScore]:
    """The first item per year (callers order the latest submission first within a year)."""
    seen: dict[int, YearScore] = {}
    for item in items:
        seen.setdefault(item.year, item)
    return [seen[y] for y in sorted(seen)]


def rows(series: Sequence[YearScore], *, language: str, total_label: str) -> list[Row]:
    """Total, then each category, then each indicator, with one cell per year (None: not in that year's set)."""
    names: dict[str, tuple[str, str]] = {}  # code → (kind, label), latest criteria wins
    order: list[str] = []
    for item in series:
        for c in item.criteria.get("categories", []):
            if c["code"] not in names:
                order.append(c["code"])
            names[c["code"]] = ("category", pick(c, "name", language))
        for c in item.criteria.get("categories", []):
            for i in c.get("indicators", []):
                if i["code"] not in names:
                    order.append(i["code"])
                names[i["code"]] = ("indicator", pick(i, "name", language))
    total_max = max((Decimal(s.scorecard.get("maximum") or 0) for s in series), default=Decimal(100))
    out = [Row("total", total_label, "total", [_dec(s.scorecard.get("total")) for s in series], total_max)]
    cells: dict[str, list[Decimal | None]] = {code: [] for code in order}
    maxima: dict[str, Decimal] = {code: Decimal(0) for code in order}
    for item in series:
        found = {c["code"]: c for c in item.scorecard.get("categories", [])}
        found.update({i["code"]: i for i in item.scorecard.get("indicators", [])})
        for code in order:
            entry = found.get(code)
            cells[code].append(_dec(entry.get("points")) if entry else None)
            if entry and entry.get("maximum") is not None:
                maxima[code] = max(maxima[code], Decimal(entry["maximum"]))
    kinds = sorted(order, key=lambda code: names[code][0] != "category")
    out.extend(Row(code, names[code][1], names[code][0], cells[code], maxima[code]) for code in kinds)
    return out


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
