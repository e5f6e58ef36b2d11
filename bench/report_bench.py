"""Benchmark the PDF report: the demo green-factory report (zh-hans) by WeasyPrint vs headless chromium.

    DEBUG=1 .venv/bin/python bench/report_bench.py [--lang zh-hans] [--runs 5] [--use-db] [--keep DIR]

Targets (issue 5): ≤ 0.15 s per page, peak memory ≤ 400 MB, file ≤ 2 MB, and WeasyPrint no slower
than chromium's `--print-to-pdf` of the same HTML from a cold start (ratio ≤ 1.0).

By default the script builds a throw-away SQLite database (migrate + load_reference_data) so the
numbers come from the same demo data everywhere; `--use-db` uses the configured database instead.
Each WeasyPrint run happens in a fresh child process, so its peak RSS (ru_maxrss) is the whole
cost of a render, Django included. Two WeasyPrint times are reported:
- "worker": HTML → PDF inside a process that has already imported WeasyPrint (what the db_worker
  does for every report after its first), the first render of the process, so fonts load cold;
- "cold process": python start + Django + WeasyPrint import + render, like chromium's cold start.
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

TARGET_PAGE_S = 0.15
TARGET_MB = 400
TARGET_SIZE_MB = 2.0
CHROMIUM = "/usr/bin/chromium"


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
    print(json.dumps({
        "render_s": done - ready,
        "render_cpu_s": cpu,
        "warm_render_s": warm,
        "cold_process_s": cold_process_s,
        "cold_process_cpu_s": cold_process_cpu_s,
        "pages": result.pages,
        "bytes": len(result.data),
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


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
        Assessment.objects.filter(is_demo=True, criteria_set__area="factory").select_related("company", "criteria_set").order_by("id").first()
    )
    if assessment is None:
        sys.exit("No demo green-factory assessment (fixtures/demo.json) in the database.")
    started = time.perf_counter()
    html = reports.render_html(assessment, language=args.lang)
    html_s = time.perf_counter() - started
    path = workdir / "report.html"
    path.write_text(html, encoding="utf-8")
    return path, {"assessment": assessment.pk, "company": assessment.company.name, "html_s": html_s, "html_kb": len(html.encode()) / 1024}


def weasyprint_once(html: Path, out: Path) -> dict:
    """One WeasyPrint render in a fresh child process (see child())."""
    env = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(html), str(out), repr(time.time())],
        capture_output=True, text=True, env=env, check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"WeasyPrint child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def chromium_once(html: Path, out: Path) -> dict:
    """One cold `chromium --headless --print-to-pdf` of the same HTML, with a fresh profile."""
    profile = tempfile.mkdtemp(prefix="chromium-bench-")
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "--no-pdf-header-footer",
        f"--print-to-pdf={out}", html.as_uri(),
    ]
    before = _children_cpu()
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False, timeout=120)
    wall = time.perf_counter() - started
    # Chromium's helper processes are reaped by the browser process, so their CPU counts here too.
    cpu = _children_cpu() - before
    shutil.rmtree(profile, ignore_errors=True)
    return {"s": wall, "cpu_s": cpu, "bytes": out.stat().st_size if out.exists() else 0}


def run_pairs(html: Path, workdir: Path, n: int) -> tuple[dict, dict, list[float]]:
    """n WeasyPrint and n chromium runs, interleaved so that both see the same machine noise.

    Returns the medians of each renderer and the per-pair ratios (WeasyPrint worker render / chromium).
    """
    weasy, chrome, ratios = [], [], []
    with_chromium = Path(CHROMIUM).exists()
    for i in range(n):
        weasy.append(weasyprint_once(html, workdir / f"weasyprint-{i}.pdf"))
        if with_chromium:
            chrome.append(chromium_once(html, workdir / f"chromium-{i}.pdf"))
            ratios.append(weasy[-1]["render_s"] / chrome[-1]["s"])
    medians = [{key: statistics.median(r[key] for r in runs) for key in runs[0]} if runs else {} for runs in (weasy, chrome)]
    return medians[0], medians[1], ratios


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
        weasy, chrome, ratios = run_pairs(html, workdir, args.runs)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in workdir.glob("*.[hp]*"):
                if path.suffix in (".html", ".pdf"):
                    shutil.copy(path, args.keep / path.name)

    pages = int(weasy["pages"])
    per_page = weasy["render_s"] / pages
    size_mb = weasy["bytes"] / 1024 / 1024
    print(f"Demo green-factory report ({facts['company']}, assessment {facts['assessment']}, {args.lang}), medians of {args.runs} runs")
    print(f"  HTML from the database        {facts['html_s']:.2f} s ({facts['html_kb']:.0f} KiB)")
    print(f"  WeasyPrint, worker render     {weasy['render_s']:.2f} s for {pages} pages (CPU {weasy['render_cpu_s']:.2f} s); warm {weasy['warm_render_s']:.2f} s")
    print(f"  WeasyPrint, cold process      {weasy['cold_process_s']:.2f} s, CPU {weasy['cold_process_cpu_s']:.2f} s (python + Django + WeasyPrint import + render)")
    if chrome:
        print(f"  chromium --print-to-pdf cold  {chrome['s']:.2f} s, CPU {chrome['cpu_s']:.2f} s ({chrome['bytes'] / 1024:.0f} KiB)")
    print(f"  load average                  {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times stretch with load; CPU times much less)")
    print()
    cpu_page = weasy["render_cpu_s"] / pages
    print(f"  [{verdict(per_page <= TARGET_PAGE_S)}] seconds per page   {per_page:.3f} s wall, {cpu_page:.3f} s CPU (target ≤ {TARGET_PAGE_S}; warm {weasy['warm_render_s'] / pages:.3f} s wall)")
    print(f"  [{verdict(weasy['maxrss_mb'] <= TARGET_MB)}] peak memory        {weasy['maxrss_mb']:.0f} MB (target ≤ {TARGET_MB} MB, whole process)")
    print(f"  [{verdict(size_mb <= TARGET_SIZE_MB)}] file size          {size_mb:.2f} MB (target ≤ {TARGET_SIZE_MB} MB)")
    if chrome:
        ratio = statistics.median(ratios)
        cold_ratio = weasy["cold_process_s"] / chrome["s"]
        cpu_ratio = weasy["render_cpu_s"] / chrome["cpu_s"] if chrome["cpu_s"] else float("nan")
        print(f"  [{verdict(ratio <= 1.0)}] WeasyPrint/chromium {ratio:.2f} wall, {cpu_ratio:.2f} CPU (worker render / chromium cold; target ≤ 1.0)")
        print(f"         per-pair ratios {', '.join(f'{r:.2f}' for r in sorted(ratios))} (the runs alternate renderers)")
        print(f"         cold process/chromium {cold_ratio:.2f} wall, {weasy['cold_process_cpu_s'] / chrome['cpu_s']:.2f} CPU (both from a cold start)")
    else:
        print("  [MISS] chromium not found at /usr/bin/chromium: no ratio")


if __name__ == "__main__":
    main()
