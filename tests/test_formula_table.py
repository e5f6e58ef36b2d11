"""The formula table (assessment/formulas.py): the Annex B forms of one indicator ask for the same figures."""

import pytest

from assessment.formulas import FORMULAS, PER_OUTPUT


@pytest.mark.parametrize(("product", "output"), PER_OUTPUT.items())
def test_per_output_form_asks_for_the_numerator_of_the_per_product_form(product, output):
    assert FORMULAS[product].inputs[0] == FORMULAS[output].inputs[0]
    assert [i.code for i in FORMULAS[product].inputs[1:]] == ["Q"]
    assert [i.code for i in FORMULAS[output].inputs[1:]] == ["G"]


@pytest.mark.parametrize("formula", [f for f in FORMULAS.values() if not f.is_rate], ids=lambda f: f.key)
def test_a_ratio_expression_names_its_inputs(formula):
    assert formula.expression == " / ".join(i.code for i in formula.inputs)
