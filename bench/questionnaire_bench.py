"""Server time of a category page and of an autosave, as a ratio to a trivial view; target ≤ 3×.

Runs in a throw-away test database (SQLite in memory, or test_<name> on PostgreSQL when
DATABASE_URL points there) with a synthetic criteria set, through Django's test Client, so only
server time is measured. The trivial view goes through the same middleware, login and
permission-checked fetch and renders base.html with one line of content.

It runs as production does: DEBUG off (unless DEBUG is set in the environment) and without the
test runner's template instrumentation (which copies the context on every template rendered, a
cost only tests pay).

    python bench/questionnaire_bench.py [--runs 300] [--indicators 10]
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenmfg.settings")
os.environ.setdefault("DEBUG", "0")
# Settings that DEBUG off requires; plain http through the test client, plain static names.
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import warnings  # noqa: E402

import django  # noqa: E402

# WhiteNoise warns that STATIC_ROOT does not exist (no collectstatic here); no static file is served.
warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.decorators import login_required  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path, reverse  # noqa: E402

from assessment.access import get_assessment_for_user  # noqa: E402
from bench.database import throwaway_database  # noqa: E402

TARGET = 3.0
TRIVIAL = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<p>{{ assessment.company.name }}</p>{% endblock %}'
)


@login_required
def trivial(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, _access = get_assessment_for_user(request.user, pk)
    return HttpResponse(TRIVIAL.render({"assessment": assessment}, request))


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("bench/trivial/<int:pk>/", trivial, name="bench_trivial"),
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("greenmfg.urls")),
]


def served(urlconf: str = __name__) -> override_settings:
    """Settings to serve the bench's requests under: these URLs (the app's and the trivial views), the test
    client's host, plain static names (no collectstatic)."""
    return override_settings(
        ROOT_URLCONF=urlconf,
        ALLOWED_HOSTS=["testserver"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )


def medians_ms(scenarios: dict[str, Callable[[int], int]], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall time and median CPU time of this process (steadier on a busy machine), in ms.

    The scenarios take turns, one request each per round, so a change in the machine's load
    affects them alike and the ratios stay comparable.
    """
    for i in range(min(20, runs)):  # warm caches (templates, criteria, session)
        for run in scenarios.values():
            run(i)
    wall: dict[str, list[float]] = {name: [] for name in scenarios}
    cpu: dict[str, list[float]] = {name: [] for name in scenarios}
    for i in range(runs):
        for name, run in scenarios.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            status = run(i)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
            assert status == 200, (name, status)
    return {name: (statistics.median(wall[name]) * 1000, statistics.median(cpu[name]) * 1000) for name in scenarios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--indicators", type=int, default=10, help="indicators on the measured category page")
    args = parser.parse_args()

    with throwaway_database():
        measure(args.runs, args.indicators)


def measure(runs: int, indicators: int) -> None:
    # The test helpers build users, a company and a synthetic criteria set (pytest is a dev dependency).
    from assessment.models import Answer
    from organisations.models import Role
    from tests.factories import make_company, member
    from tests.questionnaire_world import make_assessment, make_criteria_set, make_sector_value

    company = make_company()
    user = member(company, "bench", Role.EDITOR)
    make_sector_value(company.sector)
    # mgmt holds 4 fixed indicators plus the fillers
    assessment = make_assessment(company, make_criteria_set(max(0, indicators - 4)))
    Answer.objects.create(assessment=assessment, code="E01", inputs={"E": "110", "Q": "1000"}, version=1)

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    pk = assessment.pk
    category_url = reverse("assessment_category", args=[pk, "mgmt"])
    energy_url = reverse("assessment_category", args=[pk, "energy"])
    answer_url = reverse("assessment_answer", args=[pk, "M01"])
    trivial_url = reverse("bench_trivial", args=[pk])

    saved = {"count": 0, "version": 0}

    def autosave(i: int) -> int:
        # alternate on the running count: every save changes the answer, whatever the number of runs
        data = {
            "M01-choice": "met" if saved["count"] % 2 else "partly",
            "M01-version": str(saved["version"]),
            "client": "bench",
        }
        saved["count"] += 1
        response = client.post(answer_url, data, headers={"X-Autosave": "1"})
        saved["version"] = response.json()["version"]
        return response.status_code

    results = medians_ms(
        {
            "bare view": lambda i: client.get("/bench/bare/").status_code,
            "trivial view": lambda i: client.get(trivial_url).status_code,
            f"category page ({indicators} indicators)": lambda i: client.get(category_url).status_code,
            "category page (3 formula indicators)": lambda i: client.get(energy_url).status_code,
            "autosave": autosave,
        },
        runs,
    )
    base_wall, base_cpu = results["trivial view"]
    print(
        f"database: {connection.vendor}, DEBUG: {settings.DEBUG}, runs: {runs}, median server time through the test client"
    )
    print(f"  {'':<40} {'wall':>8}      {'ratio':>6}   {'cpu':>8}      {'ratio':>6}")
    worst = 0.0
    for name, (wall, cpu) in results.items():
        if name.startswith(("category", "autosave")):
            worst = max(worst, wall / base_wall)
        print(f"  {name:<40} {wall:8.2f} ms   {wall / base_wall:5.2f}×   {cpu:8.2f} ms   {cpu / base_cpu:5.2f}×")
    print(
        f"worst wall-time ratio {worst:.2f}× the trivial view (target ≤ {TARGET:.0f}×): {'OK' if worst <= TARGET else 'ABOVE TARGET'}"
    )


if __name__ == "__main__":
    with served():
        main()
