"""Prepare the load-test database and write the plan the client follows.

Run with the production environment of loadtest/run_load.sh (DATABASE_URL pointing at the load database):

    DJANGO_SETTINGS_MODULE=greenmfg.settings .venv/bin/python loadtest/setup_data.py --users 50 --out plan.json

It migrates, loads the reference data, creates N users (loadtest-001@example.com …), each the owner of
its own company with one draft green-factory assessment, and writes for every indicator of that
criteria set a list of valid answers (checked with the app's own validation, so a 422 in the run
means a server problem, not a client one).
"""

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.http import QueryDict  # noqa: E402

from assessment.answers import criteria_for, fields_from_post, parse_answer, start_assessment  # noqa: E402
from assessment.formulas import FORMULAS  # noqa: E402
from assessment.models import CriteriaSet  # noqa: E402
from organisations.credit_code import check_character  # noqa: E402
from organisations.models import Company, Membership, Role, Sector  # noqa: E402

PASSWORD = "Load-test-pw-7Qx!2026"
CANDIDATES = 40


def _number(rng: random.Random, low: float, high: float) -> str:
    return f"{rng.uniform(low, high):.3f}"


def _raw_candidates(spec: Any, rng: random.Random) -> list[dict[str, Any]]:
    """Answer field sets (without the `<code>-` prefix) of the kind the indicator takes."""
    kind = spec.indicator_type
    if kind in ("positive_qual", "reverse_qual"):
        return [{"choice": c} for c in ("met", "partly", "not_met")]
    if kind == "pass_fail":
        return [{"passed": p} for p in ("yes", "no")]
    if kind == "count":
        options = spec.rule.get("options_en") or spec.rule.get("options_zh") or []
        if options:
            return [{"options": [str(i) for i in range(n)]} for n in range(1, len(options) + 1)]
        return [{"count": str(n)} for n in range(0, 12)]
    formula = FORMULAS.get(spec.formula)
    out = []
    for _ in range(CANDIDATES * 3):
        if formula:
            values = [rng.uniform(10, 5000) for _ in formula.inputs]
            if formula.is_rate:
                # Rates are part / whole: keep every input below the last (the usual denominator).
                values = sorted(values)
            out.append({f"in-{item.code}": f"{v:.3f}" for item, v in zip(formula.inputs, values, strict=True)})
        else:
            out.append({"value": _number(rng, 1, 99)})
    return out


def _valid(spec: Any, raw: dict[str, Any]) -> bool:
    post = QueryDict(mutable=True)
    for name, value in raw.items():
        if isinstance(value, list):
            post.setlist(f"{spec.code}-{name}", value)
        else:
            post[f"{spec.code}-{name}"] = value
    fields = fields_from_post(post, spec.code, formula=FORMULAS.get(getattr(spec, "formula", "")))
    return parse_answer(spec, fields).values is not None


def build_plan(criteria_set: CriteriaSet, rng: random.Random) -> dict[str, Any]:
    criteria = criteria_for(criteria_set)
    indicators: dict[str, Any] = {}
    for category in criteria.spec.categories:
        for spec in category.indicators:
            valid = [raw for raw in _raw_candidates(spec, rng) if _valid(spec, raw)][:CANDIDATES]
            if len(valid) < 2:
                raise SystemExit(f"setup: fewer than 2 valid answers generated for {spec.code}")
            indicators[spec.code] = {"category": category.code, "kind": spec.indicator_type, "candidates": valid}
    return {"categories": [c.code for c in criteria.spec.categories], "indicators": indicators}


def create_users(n: int, criteria_set: CriteriaSet) -> list[dict[str, Any]]:
    User = get_user_model()
    sector = (
        Sector.objects.filter(parent__isnull=False).order_by("code").first() or Sector.objects.order_by("code").first()
    )
    if sector is None:
        raise SystemExit("setup: no sector in the database (load_reference_data did not run?)")
    # One hash for all: PBKDF2 costs about a second per password, and they all share the password.
    hashed = make_password(PASSWORD)
    users = []
    with transaction.atomic():
        for i in range(1, n + 1):
            email = f"loadtest-{i:03d}@example.com"
            user, _created = User.objects.get_or_create(username=email, defaults={"email": email})
            user.password = hashed
            user.save(update_fields=["password"])
            first17 = f"91350200LT{i:07d}"
            company, _created = Company.objects.get_or_create(
                credit_code=first17 + check_character(first17),
                defaults={"name": f"Load Test Works {i:03d}", "sector": sector, "province": "FJ", "size": "medium"},
            )
            Membership.objects.get_or_create(user=user, company=company, defaults={"role": Role.OWNER})
            assessment = company.assessments.filter(
                criteria_set=criteria_set, status="draft"
            ).first() or start_assessment(company, criteria_set, year=2025, title="Load test", user=user)
            users.append({"email": email, "company": company.pk, "assessment": assessment.pk})
    return users


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-migrate", action="store_true")
    args = parser.parse_args()

    if not args.skip_migrate:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_reference_data", verbosity=0)
    criteria_set = CriteriaSet.objects.latest_published("factory")
    if criteria_set is None:
        raise SystemExit("setup: no published green-factory criteria set")
    plan = build_plan(criteria_set, random.Random(args.seed))
    plan |= {"criteria_set": criteria_set.code, "password": PASSWORD, "users": create_users(args.users, criteria_set)}
    args.out.write_text(json.dumps(plan, indent=1, ensure_ascii=False))
    print(
        f"setup: {len(plan['users'])} users, {len(plan['indicators'])} indicators in {len(plan['categories'])} categories → {args.out}"
    )


if __name__ == "__main__":
    main()
