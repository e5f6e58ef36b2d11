"""Time computing a data sheet and re-scoring the four assessments of its company-year; target ≤ 50 ms.

    python bench/ledger_bench.py [--runs 50]

Works on a scratch SQLite database (migrated, reference data and demo loaded), or on DATABASE_URL when
--use-database-url is given. One run = recompute the demo company's 2025 data sheet (read the sheet, its
carriers, products and every coefficient; convert; store the figures) + `rescore_year`: load and score its
factory, supply chain, park and design-product drafts from the database on the new figures.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenmfg.settings")
os.environ.setdefault("DEBUG", "1")

TARGET_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--use-database-url", action="store_true", help="measure on DATABASE_URL (already loaded)")
    args = parser.parse_args()
    scratch = None
    if not args.use_database_url:
        scratch = tempfile.TemporaryDirectory()
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch.name}/bench.sqlite3"

    import django  # noqa: PLC0415 (after DATABASE_URL is chosen)

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    from assessment.answers import rescore_year  # noqa: PLC0415
    from ledger.models import DataSheet  # noqa: PLC0415
    from ledger.sheets import recompute  # noqa: PLC0415

    if scratch is not None:
        call_command("migrate", verbosity=0)
        call_command("load_reference_data", verbosity=0)

    def one_run() -> int:
        sheet = (
            DataSheet.objects.select_related("company")
            .prefetch_related("uses", "products")
            .get(company_id=9001, year=2025)
        )
        recompute(sheet)
        cards = rescore_year(9001, 2025)
        assert len(cards) == 4
        return sum(len(card.indicators) for card in cards.values())

    indicators = one_run()  # warm up: criteria caches
    timings = []
    for _ in range(args.runs):
        start = time.perf_counter()
        one_run()
        timings.append((time.perf_counter() - start) * 1000)
    median, best = statistics.median(timings), min(timings)
    print(
        f"data sheet + 4 assessments ({indicators} indicators), {args.runs} runs: median {median:.2f} ms, "
        f"min {best:.2f} ms, max {max(timings):.2f} ms"
    )
    print(f"target {TARGET_MS} ms: median/target = {median / TARGET_MS:.2f}")
    if scratch is not None:
        scratch.cleanup()


if __name__ == "__main__":
    main()
