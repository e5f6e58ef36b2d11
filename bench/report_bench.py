"""Benchmark the PDF report: the demo green-factory report (zh-hans) by WeasyPrint vs headless chromium.

    DEBUG=1 .venv/bin/python bench/report_bench.py [--lang zh-hans] [--runs 5] [--use-db] [--keep DIR]

Targets: inside the worker ≤ 0.10 s per page; peak memory ≤ 400 MB; file ≤ 2 MB; the demo company's
filing pack ≤ 10 s; and the whole
`manage.py render_report` process no slower than a cold `chromium --print-to-pdf` of the same HTML
(wall-time ratio ≤ 1.0, both measured as whole processes from start to exit).

Two different comparisons are printed, each under its own name:
- "whole process ÷ chromium": `manage.py render_report` (python start, Django, DB query, WeasyPrint
  import, render, write) against chromium's start, render and exit. Like for like: the honest figure.
- "worker render ÷ chromium": the render alone inside a process that has already loaded WeasyPrint
  (what the db_worker does), against a cold chromium. Not like for like; printed because it is what a
  user waits for in the app, never as the speed comparison.

By default the script builds a throw-away SQLite database (migrate + load_reference_data) so the
numbers come from the same demo data everywhere; `--use-db` uses the configured database instead.
Each WeasyPrint run happens in a fresh child process, so its peak RSS (ru_maxrss) is the whole
cost of a render, Django included. The "worker render" is HTML → PDF inside a process that has
already imported WeasyPrint, the first render of the process (fonts load cold); "warm" is its second.
The 200-indicator report runs min(runs, 3) times each way (medians); its peak memory is that of the whole
`render_report` process (os.wait4).
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenmfg.settings")
os.environ.setdefault("DEBUG", "1")

from tests.browser.chromium import CHROMIUM, LAUNCH_ARGS  # noqa: E402 - the browser tests' chromium and flags

TARGET_PAGE_S = 0.10
TARGET_MB = 400
TARGET_SIZE_MB = 2.0
TARGET_LARGE_S = 5.0  # a 200-indicator report, whole process
TARGET_PACK_S = 10.0  # the demo company's filing pack (ZIP), built as the worker builds it
LARGE_CATEGORIES, LARGE_PER_CATEGORY = 10, 20


def child(html_path: str, pdf_path: str, spawned_at: str) -> None:
    """Render one HTML file to PDF; print timings and peak memory as JSON.

    `spawned_at` is the parent's time.time() just before it started this process, so the cold-process
    time covers interpreter start-up too (and not the second, warm render below).
    """
    import django

    django.setup()
    from assessment import reports

    html = Path(html_path).read_text(encoding="utf-8")
    from assessment import pdf as _pdf  # noqa: F401  (the WeasyPrint import, outside the render timing)

    ready = time.perf_counter()
    cpu = time.process_time()
    result = reports.html_to_pdf(html)
    done = time.perf_counter()
    cold_process_s = time.time() - float(spawned_at)
    cold_process_cpu_s = time.process_time()
    cpu = cold_process_cpu_s - cpu
    Path(pdf_path).write_bytes(result.data)
    # A second render in the same process: what a long-running worker sees from its second report on.
    again = time.perf_counter()
    reports.html_to_pdf(html)
    warm = time.perf_counter() - again
    print(
        json.dumps(
            {
                "render_s": done - ready,
                "render_cpu_s": cpu,
                "warm_render_s": warm,
                "cold_process_s": cold_process_s,
                "cold_process_cpu_s": cold_process_cpu_s,
                "pages": result.pages,
                "bytes": len(result.data),
                "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def prepare(args: argparse.Namespace, workdir: Path) -> tuple[Path, dict]:
    """Render the report HTML of the demo factory assessment; return its path and facts."""
    if not args.use_db:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    if not args.use_db:
        call_command("migrate", verbosity=0)
        call_command("load_reference_data", verbosity=0)
    from assessment import reports
    from assessment.models import Assessment

    assessment = (
        Assessment.objects.filter(is_demo=True, criteria_set__area="factory")
        .select_related("company", "criteria_set")
        .order_by("id")
        .first()
    )
    if assessment is None:
        sys.exit("No demo green-factory assessment (fixtures/demo.json) in the database.")
    started = time.perf_counter()
    html = reports.render_html(assessment, language=args.lang)
    html_s = time.perf_counter() - started
    path = workdir / "report.html"
    path.write_text(html, encoding="utf-8")
    large_id = make_large_assessment(assessment.company_id)
    large_html = workdir / "large.html"
    large_html.write_text(
        reports.render_html(Assessment.objects.get(pk=large_id), language=args.lang), encoding="utf-8"
    )
    # The filing pack as the worker builds it (assessment.filing): self-evaluation PDF, indicator XLSX,
    # evidence, data sheet. First build of this process, so WeasyPrint's import and fonts are included.
    from assessment import filing

    started, cpu = time.perf_counter(), time.process_time()
    pack = filing.build_pack(assessment, language=args.lang)
    pack_s, pack_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    return path, {
        "pack_s": pack_s,
        "pack_cpu_s": pack_cpu_s,
        "pack_kb": len(pack) / 1024,
        "assessment": assessment.pk,
        "company": assessment.company.name,
        "html_s": html_s,
        "html_kb": len(html.encode()) / 1024,
        "large_id": large_id,
        "large_html": large_html,
    }


def make_large_assessment(company_id: int) -> int:
    """A 200-indicator criteria set (10 categories × 20, half qualitative, half quantitative) and a
    fully answered draft of it, for the large-report target."""
    from datetime import date
    from decimal import Decimal

    from assessment.models import Answer, Assessment, Category, CriteriaSet, Indicator

    cs, created = CriteriaSet.objects.get_or_create(
        code="bench-200-indicators",
        defaults={
            "area": "factory",
            "version": "2025",
            "name_zh": "基准测试（200 项指标）",
            "name_en": "Benchmark (200 indicators)",
            "standard": "GB/T 36132-2025",
            "status": "draft",
            "effective_date": date(2025, 12, 31),
            "rating": "relative",
        },
    )
    if created:
        weight = Decimal(100) / LARGE_CATEGORIES
        for c in range(LARGE_CATEGORIES):
            category = Category.objects.create(
                criteria_set=cs,
                code=f"c{c}",
                order=c,
                name_zh=f"一级指标 {c + 1}",
                name_en=f"Category {c + 1}",
                weight=weight,
            )
            for i in range(LARGE_PER_CATEGORY):
                quantitative = i % 2 == 1
                Indicator.objects.create(
                    category=category,
                    code=f"L{c:02d}{i:02d}",
                    order=i,
                    points=Decimal(5),
                    name_zh=f"二级指标 {c + 1}.{i + 1}：单位产品综合能耗与资源消耗水平",
                    name_en=f"Indicator {c + 1}.{i + 1}: energy and resource use per unit of product",
                    indicator_type="reverse_quant" if quantitative else "positive_qual",
                    unit="kgce/t" if quantitative else "",
                    rule={} if quantitative else {"fractions": {"met": "1", "partly": "0.5", "not_met": "0"}},
                    recommendation_zh="开展能源审计，优先改造能耗最高的工序，并按车间设定能耗目标。",
                    recommendation_en="Carry out an energy audit, retrofit the most energy-intensive steps first and set targets per workshop.",
                )
    assessment = Assessment.objects.create(company_id=company_id, criteria_set=cs, year=2025, title="bench")
    for indicator in Indicator.objects.filter(category__criteria_set=cs):
        if indicator.indicator_type == "reverse_quant":
            Answer.objects.create(
                assessment=assessment,
                code=indicator.code,
                value=Decimal("84.5"),
                leading=Decimal(80),
                benchmark=Decimal(95),
                values_source="行业协会统计公报 / industry association bulletin",
            )
        else:
            Answer.objects.create(
                assessment=assessment, code=indicator.code, choice=("met", "partly", "not_met")[indicator.order % 3]
            )
    return assessment.pk


def weasyprint_once(html: Path, out: Path) -> dict:
    """One WeasyPrint render in a fresh child process (see child())."""
    env = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(html), str(out), repr(time.time())],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"WeasyPrint child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def render_report_once(assessment_id: int, lang: str, out: Path) -> dict:
    """One whole `manage.py render_report` process: wall and CPU time from spawn to exit, and its peak RSS."""
    command = [sys.executable, str(ROOT / "manage.py"), "render_report", str(assessment_id), "--lang", lang]
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*command, "--out", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=os.environ | {"PYTHONDONTWRITEBYTECODE": "1"},
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            sys.exit(f"render_report failed:\n{errors.read().decode(errors='replace')[-3000:]}")
    return {"s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024}


def chromium_once(html: Path, out: Path) -> dict:
    """One cold `chromium --headless --print-to-pdf` of the same HTML, with a fresh profile."""
    profile = tempfile.mkdtemp(prefix="chromium-bench-")
    command = [
        CHROMIUM,
        *LAUNCH_ARGS,
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={out}",
        html.as_uri(),
    ]
    before = _children_cpu()
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False, timeout=120)
    wall = time.perf_counter() - started
    # Chromium's helper processes are reaped by the browser process, so their CPU counts here too.
    cpu = _children_cpu() - before
    shutil.rmtree(profile, ignore_errors=True)
    return {"s": wall, "cpu_s": cpu, "bytes": out.stat().st_size if out.exists() else 0}


def run_pairs(html: Path, workdir: Path, n: int, assessment_id: int, lang: str) -> tuple[dict, dict, dict, dict]:
    """n runs of each: worker render, whole render_report process, chromium; interleaved so that all
    three see the same machine noise. Returns their medians and the per-run ratios to chromium."""
    weasy, whole, chrome = [], [], []
    ratios: dict[str, list[float]] = {"worker": [], "whole": [], "whole_cpu": []}
    with_chromium = Path(CHROMIUM).exists()
    for i in range(n):
        weasy.append(weasyprint_once(html, workdir / f"weasyprint-{i}.pdf"))
        whole.append(render_report_once(assessment_id, lang, workdir / f"render-report-{i}.pdf"))
        if with_chromium:
            chrome.append(chromium_once(html, workdir / f"chromium-{i}.pdf"))
            ratios["worker"].append(weasy[-1]["render_s"] / chrome[-1]["s"])
            ratios["whole"].append(whole[-1]["s"] / chrome[-1]["s"])
            ratios["whole_cpu"].append(
                whole[-1]["cpu_s"] / chrome[-1]["cpu_s"] if chrome[-1]["cpu_s"] else float("nan")
            )
    medians = [
        {key: statistics.median(r[key] for r in runs) for key in runs[0]} if runs else {}
        for runs in (weasy, whole, chrome)
    ]
    return medians[0], medians[1], medians[2], ratios


def run_large(facts: dict, args: argparse.Namespace, workdir: Path) -> tuple[dict, dict]:
    """The 200-indicator report, min(runs, 3) times each as a whole render_report process and as a worker
    render; medians."""
    runs = max(1, min(args.runs, 3))
    whole, worker = [], []
    for i in range(runs):
        whole.append(render_report_once(facts["large_id"], args.lang, workdir / f"large-{i}.pdf"))
        worker.append(weasyprint_once(facts["large_html"], workdir / f"large-worker-{i}.pdf"))
    return (
        {key: statistics.median(r[key] for r in whole) for key in whole[0]},
        {key: statistics.median(r[key] for r in worker) for key in worker[0]},
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def verdict(ok: bool) -> str:
    return "OK  " if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lang", default="zh-hans", choices=["zh-hans", "en"])
    parser.add_argument("--runs", type=int, default=5, help="runs of each renderer; medians are printed")
    parser.add_argument("--use-db", action="store_true", help="use the configured database instead of a fresh one")
    parser.add_argument("--keep", type=Path, help="copy the HTML and PDFs here")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        workdir = Path(tmp)
        html, facts = prepare(args, workdir)
        weasy, whole, chrome, ratios = run_pairs(html, workdir, args.runs, facts["assessment"], args.lang)
        large_whole, large_worker = run_large(facts, args, workdir)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in workdir.glob("*.[hp]*"):
                if path.suffix in (".html", ".pdf"):
                    shutil.copy(path, args.keep / path.name)

    pages = int(weasy["pages"])
    per_page = weasy["render_s"] / pages
    size_mb = weasy["bytes"] / 1024 / 1024
    print(
        f"Demo green-factory report ({facts['company']}, assessment {facts['assessment']}, {args.lang}), medians of {args.runs} runs"
    )
    print(f"  HTML from the database        {facts['html_s']:.2f} s ({facts['html_kb']:.0f} KiB)")
    print(
        f"  WeasyPrint, worker render     {weasy['render_s']:.2f} s for {pages} pages (CPU {weasy['render_cpu_s']:.2f} s); warm {weasy['warm_render_s']:.2f} s"
    )
    print(
        f"  render_report, whole process  {whole['s']:.2f} s, CPU {whole['cpu_s']:.2f} s (python + Django + query + WeasyPrint import + render + write)"
    )
    if chrome:
        print(
            f"  chromium --print-to-pdf cold  {chrome['s']:.2f} s, CPU {chrome['cpu_s']:.2f} s ({chrome['bytes'] / 1024:.0f} KiB)"
        )
    print(
        f"  load average                  {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times stretch with load; CPU times much less)"
    )
    print()
    cpu_page = weasy["render_cpu_s"] / pages
    print(
        f"  [{verdict(per_page <= TARGET_PAGE_S)}] seconds per page   {per_page:.3f} s wall, {cpu_page:.3f} s CPU (target ≤ {TARGET_PAGE_S}; warm {weasy['warm_render_s'] / pages:.3f} s wall)"
    )
    print(
        f"  [{verdict(weasy['maxrss_mb'] <= TARGET_MB)}] peak memory        {weasy['maxrss_mb']:.0f} MB (target ≤ {TARGET_MB} MB, whole process)"
    )
    print(
        f"  [{verdict(size_mb <= TARGET_SIZE_MB)}] file size          {size_mb:.2f} MB (target ≤ {TARGET_SIZE_MB} MB)"
    )
    print(
        f"  [{verdict(large_whole['s'] <= TARGET_LARGE_S and large_whole['maxrss_mb'] <= TARGET_MB)}] 200-indicator report "
        f"{large_whole['s']:.2f} s whole process (CPU {large_whole['cpu_s']:.2f} s), {int(large_worker['pages'])} pages, "
        f"{large_whole['maxrss_mb']:.0f} MB peak (targets ≤ {TARGET_LARGE_S} s, ≤ {TARGET_MB} MB, whole process)"
    )
    print(
        f"         in the worker {large_worker['render_s']:.2f} s, CPU {large_worker['render_cpu_s']:.2f} s "
        f"({large_worker['render_cpu_s'] / large_worker['pages']:.3f} s CPU per page)"
    )
    print(
        f"  [{verdict(facts['pack_s'] <= TARGET_PACK_S)}] filing pack        {facts['pack_s']:.2f} s (CPU {facts['pack_cpu_s']:.2f} s, "
        f"{facts['pack_kb']:.0f} KiB ZIP; first build in the process, WeasyPrint import included; target ≤ {TARGET_PACK_S} s)"
    )
    if chrome:
        whole_ratio = statistics.median(ratios["whole"])
        whole_cpu = statistics.median(ratios["whole_cpu"])
        worker_ratio = statistics.median(ratios["worker"])
        print(
            f"  [{verdict(whole_ratio <= 1.0)}] whole process ÷ chromium   {whole_ratio:.2f} wall, {whole_cpu:.2f} CPU (render_report vs cold chromium; target ≤ 1.0 wall)"
        )
        print(f"         per-run wall ratios {', '.join(f'{r:.2f}' for r in sorted(ratios['whole']))}")
        print(
            f"         worker render ÷ chromium {worker_ratio:.2f} wall (a render in a loaded process vs a cold browser: not like for like)"
        )
    else:
        print("  [MISS] chromium not found at /usr/bin/chromium: no ratio")


if __name__ == "__main__":
    main()
