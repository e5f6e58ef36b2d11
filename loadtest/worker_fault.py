"""Fault: kill the task worker (SIGKILL) while it renders a PDF report; the report must still be made.

    DJANGO_SETTINGS_MODULE=greenmfg.settings .venv/bin/python loadtest/worker_fault.py --plan plan.json \
        --base http://127.0.0.1:8003 [--worker-pid PID] --worker-log-dir DIR --summary summary.jsonl

What the app does, step by step:
1. a user asks for the report through the web (POST /assessments/<pk>/report/): a Report row and a task;
2. a worker claims the task: the report is RUNNING (if --worker-pid names a live worker, that one — in
   run_load.sh the worker that lived through the PostgreSQL restart — else the script starts one);
3. while it renders we kill -9 that worker: the report is left RUNNING, nobody finishes it;
4. a new worker starts; its sweep (`tasks.sweep_stale_reports`, in the worker loop) re-queues a
   report RUNNING for longer than REPORT_STALE_MINUTES (the replacement worker runs with
   REPORT_STALE_MINUTES = 20 s instead of 10 min) while the user polls the status page;
5. the new worker renders it: DONE, a real PDF, downloadable.
Exit status 1 if the report is not made within the time limit.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

import requests  # noqa: E402

from assessment.models import Report  # noqa: E402
from loadtest.client import CSRF_IN_FORM, CSRF_IN_PAGE, check_loopback  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class Timeline:
    def __init__(self) -> None:
        self.start = time.monotonic()
        self.events: list[tuple[float, str]] = []

    def __call__(self, text: str) -> None:
        at = time.monotonic() - self.start
        self.events.append((round(at, 1), text))
        print(f"  {at:6.1f} s  {text}", flush=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A killed child of ours stays a zombie until reaped; /proc tells the difference.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def start_worker(log_dir: Path, name: str) -> subprocess.Popen:
    log = (log_dir / f"{name}.log").open("ab")
    # The worker's own sweep re-queues stale reports: it needs the test's short stale time.
    stale_minutes = float(os.environ.get("LOADTEST_STALE_SECONDS", "20")) / 60
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--queue-name", "*", "--no-reload", "--no-startup-delay"],
        env=os.environ | {"REPORT_STALE_MINUTES": str(stale_minutes)},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def login(base: str, email: str, password: str) -> requests.Session:
    http = requests.Session()
    form = http.get(f"{base}/accounts/login/", timeout=30)
    token = CSRF_IN_FORM.search(form.text)
    if token is None:
        raise SystemExit("worker fault: no login form")
    answer = http.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": email, "password": password},
        allow_redirects=False,
        timeout=90,
    )
    if answer.status_code != 302:
        raise SystemExit(f"worker fault: login failed ({answer.status_code})")
    return http


def wait_for(check: Any, limit: float, step: float = 0.1) -> Any:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if value := check():
            return value
        time.sleep(step)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--worker-pid", type=int, default=0)
    parser.add_argument("--worker-log-dir", type=Path, required=True)
    parser.add_argument(
        "--pid-file", type=Path, help="the replacement worker's pid goes here (for the caller's cleanup)"
    )
    parser.add_argument("--limit", type=float, default=150, help="seconds for the report to be made after the kill")
    parser.add_argument("--summary", type=Path)
    args = parser.parse_args()

    base = check_loopback(args.base)
    plan = json.loads(args.plan.read_text())
    user = plan["users"][0]
    log = Timeline()
    print("\n=== worker killed mid-render", flush=True)
    summary: dict[str, Any] = {"name": "worker-kill", "passed": False}
    replacement: subprocess.Popen | None = None
    try:
        http = login(base, user["email"], plan["password"])
        page = http.get(f"{base}/assessments/{user['assessment']}/", timeout=30)
        csrf = CSRF_IN_PAGE.search(page.text)
        if page.status_code != 200 or csrf is None:
            raise SystemExit(f"worker fault: assessment page {page.status_code}")
        answer = http.post(
            f"{base}/assessments/{user['assessment']}/report/",
            data={"language": "en"},
            headers={"X-CSRFToken": csrf.group(1)},
            allow_redirects=False,
            timeout=30,
        )
        found = re.search(r"/reports/(\d+)/status/", answer.headers.get("Location", ""))
        if answer.status_code != 302 or found is None:
            raise SystemExit(f"worker fault: report request answered {answer.status_code}")
        report_id = int(found.group(1))
        log(f"report {report_id} requested through the web: {Report.objects.get(pk=report_id).status}")

        first: subprocess.Popen | None = None
        pid = args.worker_pid if args.worker_pid and alive(args.worker_pid) else 0
        if pid:
            log(f"worker {pid} (running since before the load runs) is alive")
        else:
            if args.worker_pid:
                log(f"worker {args.worker_pid} is gone; starting a new one")
            first = start_worker(args.worker_log_dir, "worker-first")
            pid = first.pid
            log(f"worker {pid} started")

        def rendering() -> Report | None:
            report = Report.objects.get(pk=report_id)
            return report if report.status == Report.Status.RUNNING and report.progress >= 20 else None

        running = wait_for(rendering, 90)
        if running is None:
            report = Report.objects.get(pk=report_id)
            raise SystemExit(f"worker fault: the worker did not start rendering within 90 s (status {report.status})")
        log(f"report RUNNING, progress {running.progress} %, attempt {running.attempts}: kill -9 {pid}")
        os.kill(pid, signal.SIGKILL)
        if first is not None:
            first.wait(10)
        if wait_for(lambda: not alive(pid), 10) is None:
            raise SystemExit(f"worker fault: worker {pid} survived SIGKILL")
        time.sleep(1)
        left = Report.objects.get(pk=report_id)
        log(f"worker {pid} is gone; report left {left.status} (progress {left.progress} %)")
        summary["left_status"] = left.status

        replacement = start_worker(args.worker_log_dir, "worker-replacement")
        if args.pid_file:
            args.pid_file.write_text(str(replacement.pid))
        stale = os.environ.get("LOADTEST_STALE_SECONDS", "20")
        log(
            f"replacement worker {replacement.pid} started; polling the status page every 2 s "
            f"(the worker's sweep treats RUNNING as stale after {stale} s)"
        )

        seen = left.status
        end = time.monotonic() + args.limit
        report = left
        polls = 0
        while time.monotonic() < end:
            status_page = http.get(f"{base}/reports/{report_id}/status/", timeout=30)
            polls += 1
            if status_page.status_code != 200:
                log(f"status page answered {status_page.status_code}")
            report = Report.objects.get(pk=report_id)
            if report.status != seen:
                log(f"report {report.status} (attempts {report.attempts}, progress {report.progress} %)")
                seen = report.status
            if report.status in (Report.Status.DONE, Report.Status.FAILED):
                break
            time.sleep(2)

        summary |= {
            "status": report.status,
            "attempts": report.attempts,
            "pages": report.pages,
            "polls": polls,
            "seconds_after_kill": round(time.monotonic() - log.start, 1),
            "events": log.events,
        }
        if report.status != Report.Status.DONE:
            log(f"FAIL: report {report.status} after {args.limit:.0f} s: {report.error}")
            return
        download = http.get(f"{base}/reports/{report_id}/download/", timeout=60)
        is_pdf = (
            download.status_code == 200
            and download.content.startswith(b"%PDF")
            and download.headers.get("Content-Type", "").startswith("application/pdf")
        )
        log(
            f"download: {download.status_code} {download.headers.get('Content-Type')} {len(download.content)} bytes, "
            f"{report.pages} pages, made on attempt {report.attempts}"
        )
        summary |= {
            "pdf_bytes": len(download.content),
            "passed": bool(is_pdf and report.pages and report.attempts >= 2),
        }
    finally:
        if replacement is not None and replacement.poll() is None:
            replacement.send_signal(signal.SIGTERM)
            try:
                replacement.wait(30)
            except subprocess.TimeoutExpired:
                replacement.kill()
        print("RESULT:", "PASS" if summary["passed"] else "FAIL", flush=True)
        if args.summary:
            with args.summary.open("a") as out:
                out.write(json.dumps(summary) + "\n")
    sys.exit(0 if summary["passed"] else 1)


if __name__ == "__main__":
    main()
