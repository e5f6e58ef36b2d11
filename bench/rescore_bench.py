"""Re-score 10,000 stored snapshots from their frozen criteria and answers; target ≤ 30 s.

A submitted assessment is shown by re-scoring its snapshot (assessment.scorecards.rescore_snapshot:
criteria JSON → spec, answers JSON → engine input, score), so this is what reading every submission
once costs. The snapshots are synthetic: the demo factory assessment (GB/T 36132-2025, loaded with
the reference data into a throw-away test database) frozen as a snapshot, then varied — every
figure scaled by a random factor, every qualitative answer drawn again — and stored as JSON text
with the total of record. Each one is read back from JSON and re-scored; every re-scored total must
equal the stored one.

    python bench/rescore_bench.py [--snapshots 10000] [--seed 7]
"""

import argparse
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenmfg.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.database import throwaway_database  # noqa: E402

TARGET_S = 30.0
CHOICES = ("met", "partly", "not_met")


def vary(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Another company's answers of the same shape: figures scaled 0.5–1.5×, choices drawn again."""
    items = {}
    for code, item in document["indicators"].items():
        item = dict(item)
        if isinstance(item.get("inputs"), dict):
            item["inputs"] = {
                k: str(Decimal(v) * Decimal(rng.randint(50, 150)) / 100) for k, v in item["inputs"].items()
            }
        if item.get("choice"):
            item["choice"] = rng.choice(CHOICES)
        if isinstance(item.get("count"), int) and item["count"] > 0:
            item["count"] = rng.randint(0, item["count"])
        items[code] = item
    return document | {"indicators": items}


def stored_snapshots(count: int, seed: int) -> list[str]:
    """`count` snapshots as stored: JSON text of criteria, answers, scorecard and total."""
    from assessment.models import Assessment, Snapshot
    from assessment.scorecards import live_state, rescore_snapshot
    from assessment.scoring import round_points
    from assessment.submission import snapshot_answers

    demo = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=9001)
    state = live_state(demo)
    answers = snapshot_answers(state)
    rng = random.Random(seed)
    stored = []
    for _ in range(count):
        document = vary(answers, rng)
        snapshot = Snapshot(criteria=state.criteria, answers=document, scorecard=state.snapshot_scorecard())
        card = rescore_snapshot(snapshot)
        scorecard = card.to_dict() | {"reference_year": None, "reference_source": ""}
        row = {"criteria": state.criteria, "answers": document, "scorecard": scorecard}
        stored.append(json.dumps(row | {"total": str(round_points(card.total))}, ensure_ascii=False))
    return stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--snapshots", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with throwaway_database():
        call_command("load_reference_data", verbosity=0)
        from assessment.models import Snapshot
        from assessment.scorecards import rescore_snapshot
        from assessment.scoring import round_points

        stored = stored_snapshots(args.snapshots, args.seed)
        totals = set()
        start, start_cpu = time.perf_counter(), time.process_time()
        for text in stored:
            row = json.loads(text)
            snapshot = Snapshot(criteria=row["criteria"], answers=row["answers"], scorecard=row["scorecard"])
            total = round_points(rescore_snapshot(snapshot).total)
            assert total == Decimal(row["total"]), (total, row["total"])
            totals.add(total)
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        size = sum(len(text) for text in stored) / len(stored) / 1024
        print(
            f"{len(stored)} snapshots ({size:.0f} KiB of JSON each, {len(totals)} different totals) re-scored "
            f"in {wall:.1f} s wall, {cpu:.1f} s CPU ({wall / len(stored) * 1000:.2f} ms each); every total equal"
        )
        print(f"target ≤ {TARGET_S:.0f} s: {'OK' if wall <= TARGET_S else 'ABOVE TARGET'}")


if __name__ == "__main__":
    main()
