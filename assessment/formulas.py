"""Named formulas for derived indicators (GB/T 36132-2025 Annex B and the park / supply-chain rates).

An indicator names its formula by key; the questionnaire asks for the formula's raw inputs and
the scoring engine computes the indicator value. Plain data and functions: no ORM, no HTTP.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from assessment.reasons import Reason, ReasonCode, reason

HUNDRED = Decimal(100)


class FormulaError(ValueError):
    """The inputs cannot produce a value (a zero denominator, a missing figure); `reason` says which."""

    def __init__(self, why: Reason) -> None:
        super().__init__(why.encode())
        self.reason = why


@dataclass(frozen=True)
class Input:
    code: str
    unit: str
    label_zh: str
    label_en: str
    # Rates and quantities are never negative; converter steelmaking energy can be (net recovery).
    allow_negative: bool = False


@dataclass(frozen=True)
class Formula:
    key: str
    expression: str
    unit: str
    inputs: tuple[Input, ...]
    compute: Callable[[Mapping[str, Decimal]], Decimal]
    is_rate: bool = False

    @property
    def numerator_unit(self) -> str:
        return self.inputs[0].unit

    def evaluate(self, values: Mapping[str, Decimal]) -> Decimal:
        missing = [i.code for i in self.inputs if values.get(i.code) is None]
        if missing:
            raise FormulaError(reason(ReasonCode.MISSING_INPUTS, names=", ".join(missing)))
        try:
            return self.compute(values)
        except (ZeroDivisionError, ArithmeticError) as exc:
            raise FormulaError(reason(ReasonCode.ZERO_DENOMINATOR)) from exc


def kwh_to_tce(kwh: Decimal) -> Decimal:
    """Electricity in tce at the 当量值 0.1229 kgce/kWh (GB/T 2589)."""
    return kwh * KWH_IN_KGCE / 1000


def _ratio(num: str, den: str) -> Callable[[Mapping[str, Decimal]], Decimal]:
    def compute(v: Mapping[str, Decimal]) -> Decimal:
        if v[den] == 0:
            raise ZeroDivisionError
        return v[num] / v[den]

    return compute


def _percent(num: str, *den: str) -> Callable[[Mapping[str, Decimal]], Decimal]:
    def compute(v: Mapping[str, Decimal]) -> Decimal:
        total = sum((v[d] for d in den), Decimal(0))
        if total == 0:
            raise ZeroDivisionError
        return v[num] / total * HUNDRED

    return compute


PRODUCT = Input(
    "Q",
    "product unit",
    "合格产品产量 Q（按所选定额的产品单位）",
    "Qualified output Q (in the product unit of the chosen quota)",
)
OUTPUT = Input("G", "10k CNY", "产值 G（万元）", "Output value G (10k CNY)")
# The numerators of the per-product forms and of their per-output alternatives (Annex B).
ENERGY = Input(
    "E",
    "tce",
    "综合能源消费量 E（tce，不含原料用能）",
    "Comprehensive energy consumption E (tce, excluding feedstock)",
    allow_negative=True,
)
CARBON = Input("C", "tCO2", "二氧化碳排放量 C（tCO2，按 GB/T 32150）", "CO2 emissions C (tCO2, per GB/T 32150)")
MATERIAL = Input("M", "t", "主要原材料消耗量 M", "Main raw material consumed M")
WATER = Input(
    "V",
    "m³",
    "取水量 V（m³，不含施工、消防和外供水）",
    "Water intake V (m³, excluding construction, fire-fighting and supply to others)",
)
POLLUTANT = Input("P", "t", "主要污染物产生或排放量 P（t）", "Main pollutant generated or discharged P (t)")


def _per(key: str, unit: str, num: Input, den: Input) -> Formula:
    """A formula `num / den`, e.g. E / Q."""
    return Formula(key, f"{num.code} / {den.code}", unit, (num, den), _ratio(num.code, den.code))


FORMULAS: dict[str, Formula] = {
    f.key: f
    for f in [
        _per("energy_intensity", "tce/product unit", ENERGY, PRODUCT),
        _per("carbon_intensity", "tCO2/product unit", CARBON, PRODUCT),
        Formula(
            "renewable_share",
            "E_re / E × 100%",
            "%",
            (
                Input(
                    "E_re",
                    "tce",
                    "可再生能源利用量 E_re（tce，含绿电、绿证，不重复计算）",
                    "Renewable energy used E_re (tce, incl. green power and GECs, no double counting)",
                ),
                Input("E", "tce", "综合能源消费量 E（tce）", "Comprehensive energy consumption E (tce)"),
            ),
            _percent("E_re", "E"),
            is_rate=True,
        ),
        _per("material_intensity", "material unit/product unit", MATERIAL, PRODUCT),
        _per("water_intensity", "m³/product unit", WATER, PRODUCT),
        Formula(
            "water_reuse_rate",
            "V_r / (V + V_r) × 100%",
            "%",
            (
                Input(
                    "V_r",
                    "m³",
                    "重复利用水量 V_r（循环水＋串级回用水，m³）",
                    "Reused water V_r (recycled plus cascaded, m³)",
                ),
                Input("V", "m³", "取水量 V（m³）", "Water intake V (m³)"),
            ),
            _percent("V_r", "V", "V_r"),
            is_rate=True,
        ),
        Formula(
            "solid_waste_utilisation",
            "Z_r / (Z + Z_w) × 100%",
            "%",
            (
                Input(
                    "Z_r", "t", "综合利用量 Z_r（t，不含外购）", "Amount utilised Z_r (t, excluding purchased waste)"
                ),
                Input("Z", "t", "产生量 Z（t）", "Amount generated Z (t)"),
                Input(
                    "Z_w",
                    "t",
                    "综合利用往年贮存量 Z_w（t）",
                    "Stored waste of earlier years utilised this year Z_w (t)",
                ),
            ),
            _percent("Z_r", "Z", "Z_w"),
            is_rate=True,
        ),
        Formula(
            "retrofit_investment_share",
            "I₃ / G₃ × 100%",
            "%",
            (
                Input(
                    "I3",
                    "10k CNY",
                    "近三年绿色低碳改造升级项目投资额（万元）",
                    "Green low-carbon retrofit investment, last 3 years (10k CNY)",
                ),
                Input("G3", "10k CNY", "近三年工业总产值（万元）", "Total output value, last 3 years (10k CNY)"),
            ),
            _percent("I3", "G3"),
            is_rate=True,
        ),
        _per("pollutant_intensity", "t/product unit", POLLUTANT, PRODUCT),
        # Annex B per-output forms (B.2, B.4, B.7, B.9, B.21/B.23): the standard allows them in place
        # of the per-product forms; no quota is per output, so they are scored on the user's values.
        _per("energy_per_output", "tce/10k CNY", ENERGY, OUTPUT),
        _per("carbon_per_output", "tCO2/10k CNY", CARBON, OUTPUT),
        _per("material_per_output", "material unit/10k CNY", MATERIAL, OUTPUT),
        _per("water_per_output", "m³/10k CNY", WATER, OUTPUT),
        _per("pollutant_per_output", "t/10k CNY", POLLUTANT, OUTPUT),
        _per(
            "land_output",
            "10k CNY/m²",
            Input("G", "10k CNY", "工业总产值 G（万元）", "Output value G (10k CNY)"),
            Input("A", "m²", "用地面积 A（m²，按土地权属边界）", "Land area A (m², by land-title boundary)"),
        ),
        Formula(
            "building_coefficient",
            "(buildings + structures + yards) / A × 100%",
            "%",
            (
                Input(
                    "B", "m²", "建筑物、构筑物及堆场占地面积（m²）", "Footprint of buildings, structures and yards (m²)"
                ),
                Input("A", "m²", "用地面积 A（m²）", "Land area A (m²)"),
            ),
            _percent("B", "A"),
            is_rate=True,
        ),
        Formula(
            "share",
            "part / total × 100%",
            "%",
            (
                Input("part", "", "符合条件的部分", "Qualifying part"),
                Input("total", "", "总量", "Total"),
            ),
            _percent("part", "total"),
            is_rate=True,
        ),
        _per(
            "energy_productivity",
            "10k CNY/tce",
            Input("GDP", "10k CNY", "园区工业增加值（万元）", "Park industrial value added (10k CNY)"),
            Input("E", "tce", "园区综合能源消费量（tce）", "Park comprehensive energy consumption (tce)"),
        ),
        _per(
            "water_productivity",
            "CNY/m³",
            Input("GDP", "CNY", "园区工业增加值（元）", "Park industrial value added (CNY)"),
            Input("V", "m³", "园区取水量（m³）", "Park water intake (m³)"),
        ),
    ]
}


# GB/T 36132-2025 Annex B: the per-product form of an indicator and its per-output alternative.
PER_OUTPUT: dict[str, str] = {
    "energy_intensity": "energy_per_output",  # B.1 / B.2
    "carbon_intensity": "carbon_per_output",  # B.3 / B.4
    "material_intensity": "material_per_output",  # B.6 / B.7
    "water_intensity": "water_per_output",  # B.8 / B.9
    "pollutant_intensity": "pollutant_per_output",  # B.20–B.23
}


def formula_for(key: str, inputs: Mapping[str, object]) -> Formula | None:
    """The form the answer uses: the per-output alternative when it gives G and no Q."""
    alternative = PER_OUTPUT.get(key)
    if alternative and inputs.get("G") is not None and inputs.get("Q") is None:
        return FORMULAS[alternative]
    return FORMULAS.get(key)


def accepted_inputs(key: str) -> dict[str, Input]:
    """Every input an indicator with this formula may give: its own and its per-output alternative's."""
    accepted = {i.code: i for i in FORMULAS[key].inputs} if key in FORMULAS else {}
    if key in PER_OUTPUT:
        accepted |= {i.code: i for i in FORMULAS[PER_OUTPUT[key]].inputs}
    return accepted


# Energy units expressed in kgce. 1 kgoe = 41.868 MJ and 1 kgce = 29.3076 MJ give 1.4286 kgce [D].
# Electricity at its 当量值 (calorific equivalent), GB/T 2589: 0.1229 kgce/kWh
# (../shared/reference/energy-carbon-factors.md). Quotas graded on electricity (tempered glass,
# grinding stations, aluminium AC power) are compared after this explicit conversion.
KWH_IN_KGCE = Decimal("0.1229")
ENERGY_IN_KGCE: dict[str, Decimal] = {
    "gce": Decimal("0.001"),
    "kgce": Decimal(1),
    "tce": Decimal(1000),
    "kgoe": Decimal("1.4286"),
    "toe": Decimal("1428.6"),
    "kWh": KWH_IN_KGCE,
    "MWh": KWH_IN_KGCE * 1000,
}


class UnitMismatch(ValueError):
    """A quota's unit cannot be converted into the formula's; `reason` says which units."""

    def __init__(self, why: Reason) -> None:
        super().__init__(why.encode())
        self.reason = why


def conversion_factor(source_unit: str, numerator_unit: str) -> Decimal:
    """Factor turning a value in `source_unit` (e.g. kgce/t) into `numerator_unit` per the same denominator."""
    source_num = source_unit.split("/", 1)[0].strip()
    if source_num == numerator_unit:
        return Decimal(1)
    if source_num in ENERGY_IN_KGCE and numerator_unit in ENERGY_IN_KGCE:
        return ENERGY_IN_KGCE[source_num] / ENERGY_IN_KGCE[numerator_unit]
    raise UnitMismatch(reason(ReasonCode.UNIT_MISMATCH, source=source_unit, target=numerator_unit))


def denominator(unit: str) -> str:
    return unit.split("/", 1)[1].strip() if "/" in unit else ""
