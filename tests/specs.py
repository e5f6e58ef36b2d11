"""Engine specs and answers written the way the standards' tables read (no database).

`one(F01)` is a criteria set with one category holding F01 worth its own points; `E("8200", "100000")`
answers an energy-intensity formula; `user(value, leading, benchmark)` a figure with the company's own
yardsticks. The scoring, fidelity and criteria-data tests share them.
"""

from decimal import Decimal as D
from typing import Any

from assessment.scoring import AnswerData, CategorySpec, CriteriaSpec, GateSpec, IndicatorSpec, SectorRef


def ind(code: str, kind: str, points: int | str, **kw: Any) -> IndicatorSpec:
    return IndicatorSpec(code=code, indicator_type=kind, points=D(str(points)), **kw)


def one(
    *indicators: IndicatorSpec,
    rating: str = "relative",
    gates: tuple[GateSpec, ...] = (),
    bands: tuple[dict[str, Any], ...] = (),
) -> CriteriaSpec:
    """A set with one category holding `indicators`, weighted by their points."""
    weight = sum((i.points for i in indicators), D(0))
    return CriteriaSpec(
        code="t",
        rating=rating,
        gates=gates,
        rating_bands=bands,
        categories=(CategorySpec("c", weight, tuple(indicators)),),
    )


def E(e: str, q: str, sector: SectorRef | None = None, **kw: Any) -> AnswerData:
    """Energy E (tce) over output Q, for the energy-intensity formula."""
    return AnswerData(inputs={"E": D(e), "Q": D(q)}, sector=sector, **kw)


def user(value: str, leading: str, benchmark: str) -> AnswerData:
    """A figure with the company's own leading and benchmark values."""
    return AnswerData(value=D(value), leading=D(leading), benchmark=D(benchmark), values_source="test")


F01 = ind("F01", "reverse_quant", 8, formula="energy_intensity", uses_sector_values=True, unit="tce/product unit")
# GB/T 36132-2025 Table C.1 #4: the 12 functions of an energy-carbon management platform, as the scoring rule lists them.
F04_OPTIONS = [
    "能耗查询",
    "能源消费量和强度计算",
    "能源消费分析与用能策略推荐",
    "能效对标",
    "能流分析",
    "能效平衡与优化",
    "用能与碳排放预算管理",
    "碳排放",
    "碳足迹核算",
    "供应链碳管理",
    "碳核查支撑",
    "碳资产管理",
]
