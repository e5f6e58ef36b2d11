"""Platform peer values offered as yardsticks: per criteria set, evaluation year and sector, the average of the
peers' indicator values as benchmark (基准值 ≈ industry average) and the mean of the best 5 % as leading value
(引领值 ≈ top 5 %), kept as rows of one platform library, "Platform peer values".

Written by the worker (standing.refresh) from the published sector statistics, never on a page view. A figure is
offered only where its own peers pass the disclosure rule (standing.peers: ≥ 10 companies from ≥ 3
consultancies-or-none, no dominant consultancy); when a group no longer passes, its rows lose their figures at
the next refresh. Only indicators whose values compare across companies are offered: rates and per-area or
per-value figures, not intensities per unit of each company's own product.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from assessment.models import Indicator, Library, SectorValue
from organisations.models import Sector
from policies.models import Mark
from standing.models import PeerStat

NAME_ZH = "平台同行数值"
NAME_EN = "Platform peer values"
SOURCE = "本平台已提交自评的统计 / statistics of assessments submitted on this platform"
QUANTITATIVE = ("positive_quant", "reverse_quant")
# Units per a company's own product or material: not comparable between companies.
PER_OWN_UNIT = ("product unit", "material unit")


@dataclass(frozen=True)
class PeerRow:
    code: str
    unit: str
    leading: Decimal  # mean of the best 5 %
    benchmark: Decimal  # mean
    companies: int


def peer_rows(indicators: dict[str, Any], units: dict[str, str]) -> list[PeerRow]:
    """The rows a published statistic offers: comparable indicators whose best 5 % differ from the mean."""
    rows = []
    for code, figures in sorted(indicators.items()):
        if code not in units:
            continue
        leading, benchmark = Decimal(figures["top5"]), Decimal(figures["mean"])
        if leading != benchmark:
            rows.append(PeerRow(code, units[code], leading, benchmark, int(figures["companies"])))
    return rows


def comparable_units(criteria_set: str) -> tuple[str, dict[str, str]]:
    """The area of a criteria set and the unit of each quantitative indicator comparable between companies."""
    found = Indicator.objects.filter(
        category__criteria_set__code=criteria_set, indicator_type__in=QUANTITATIVE
    ).values_list("category__criteria_set__area", "code", "unit")
    area = next((a for a, _c, _u in found), "")
    return area, {code: unit for _a, code, unit in found if not any(w in unit for w in PER_OWN_UNIT)}


def peer_library() -> Library:
    library, _created = Library.objects.get_or_create(
        owner=Library.Owner.PLATFORM, name_en=NAME_EN, defaults={"name_zh": NAME_ZH, "source": SOURCE}
    )
    return library


def _key(stat: PeerStat, code: str) -> str:
    return f"peer-{stat.criteria_set}-{stat.year}-{stat.sector}-{code}"[:120]


def publish(stat: PeerStat) -> int:
    """Write the peer rows of a national sector group (province: all); withdraw the figures it no longer has.
    Returns the number of rows offered."""
    if not stat.sector or stat.province:
        return 0
    area, units = comparable_units(stat.criteria_set)
    rows = peer_rows(stat.indicators, units) if stat.published else []
    library = peer_library()
    prefix = _key(stat, "")
    stale = set(SectorValue.objects.filter(library=library, key__startswith=prefix).values_list("key", flat=True))
    sector = Sector.objects.filter(code=stat.sector).first() if rows else None
    today = timezone.localdate()
    for row in rows if sector is not None else []:
        key = _key(stat, row.code)
        stale.discard(key)
        SectorValue.objects.update_or_create(
            key=key,
            defaults={
                "area": area,
                "indicator_code": row.code,
                "sector": sector,
                "product_zh": f"{row.companies} 家企业",
                "product_en": f"{row.companies} companies",
                "standard": "",
                "edition": str(stat.year),
                "unit": row.unit,
                "leading": row.leading,
                "benchmark": row.benchmark,
                "mark": Mark.DERIVED,
                "source": "platform peers",
                "library": library,
                "superseded": None,
                "in_force": None,
            },
        )
    # Fewer peers than the rule needs now: the figures go; an answer that chose the row keeps the row, not them.
    SectorValue.objects.filter(library=library, key__in=stale, superseded__isnull=True).update(
        leading=None, benchmark=None, superseded=today
    )
    return len(rows) if sector is not None else 0
