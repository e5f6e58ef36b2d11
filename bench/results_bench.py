"""Server time of the results page of a 200-indicator assessment, as a ratio to a trivial view; target ≤ 3×.

The page shows the verdict, the scores by category with the charts, the ten largest gaps ranked by what
each adds to the total (of about a hundred open indicators here) and a what-if of two indicators; the
whole gap list (?gaps=all) and the page of every indicator's figures are one click away and measured
on their own lines, as is the what-if card htmx fetches when a box is ticked. Measured for a draft
(scored live from its answers) and for the same assessment submitted (re-scored from its snapshot once per
process and content, then kept: its first view in a process is measured on its own line),
in one run with the trivial view of bench/questionnaire_bench.py (same middleware, login
and permission-checked fetch, base.html with one line), DEBUG off, in a throw-away test database.

    python bench/results_bench.py [--runs 100] [--indicators 200]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.questionnaire_bench import TARGET, medians_ms, urlpatterns  # noqa: E402, F401 - urlpatterns: ROOT_URLCONF


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--indicators", type=int, default=200)
    args = parser.parse_args()

    real_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    from assessment import submission
    from assessment.models import Assessment
    from assessment.scorecards import rescored
    from tests.worlds import answer_all, make_world

    world = make_world(args.indicators)
    answer_all(world.assessment)  # every indicator answered; the even ones only partly met: ~100 gaps
    submitted = Assessment.objects.create(
        company=world.company, criteria_set=world.assessment.criteria_set, year=2031, created_by=world.owner
    )
    answer_all(submitted)
    submission.submit(submitted.pk, user=world.owner, language="en")

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.viewer)
    draft_url = reverse("assessment_results", args=[world.assessment.pk])
    snapshot_url = reverse("assessment_results", args=[submitted.pk])
    trivial_url = reverse("bench_trivial", args=[world.assessment.pk])
    indicators_url = reverse("assessment_indicators", args=[world.assessment.pk])
    whatif = {"whatif": ["X02", "X04"]}

    def first_view(url: str, query: dict[str, list[str]]) -> int:
        rescored.cache_clear()  # as after a restart: the snapshot's content read and re-scored
        return client.get(url, query).status_code

    results = medians_ms(
        {
            "trivial view": lambda i: client.get(trivial_url).status_code,
            f"results, draft ({args.indicators} indicators)": lambda i: client.get(draft_url, whatif).status_code,
            f"results, submitted ({args.indicators} indicators)": lambda i: (
                client.get(snapshot_url, whatif).status_code
            ),
            "  submitted, first view in the process": lambda i: first_view(snapshot_url, whatif),
            "  on request: every gap (?gaps=all)": lambda i: (
                client.get(draft_url, whatif | {"gaps": "all"}).status_code
            ),
            "  on request: indicator page": lambda i: client.get(indicators_url).status_code,
            "  what-if card (htmx)": lambda i: client.get(draft_url, whatif, HTTP_HX_REQUEST="true").status_code,
        },
        args.runs,
    )
    base_wall, base_cpu = results["trivial view"]
    print(f"database: {connection.vendor}, DEBUG: {settings.DEBUG}, runs: {args.runs}, median server time")
    print(f"  {'':<40} {'wall':>8}      {'ratio':>6}   {'cpu':>8}      {'ratio':>6}")
    worst = 0.0
    for name, (wall, cpu) in results.items():
        if name.startswith("results"):
            worst = max(worst, wall / base_wall)
        print(f"  {name:<40} {wall:8.2f} ms   {wall / base_wall:5.2f}×   {cpu:8.2f} ms   {cpu / base_cpu:5.2f}×")
    verdict = "OK" if worst <= TARGET else "ABOVE TARGET"
    print(f"worst wall-time ratio {worst:.2f}× the trivial view (target ≤ {TARGET:.0f}×): {verdict}")
    connection.creation.destroy_test_db(real_name, verbosity=0)


if __name__ == "__main__":
    with override_settings(
        ROOT_URLCONF="bench.questionnaire_bench",
        ALLOWED_HOSTS=["testserver"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        main()
