"""Count a load-test run: latencies and errors from the client's log, lost answers against the database.

    DJANGO_SETTINGS_MODULE=greenmfg.settings .venv/bin/python loadtest/verify.py --name single \
        --result result.json [--events events.json] --summary summary.jsonl

Every autosave the client sent is re-parsed with the app's own validation and reduced to the digest
the app uses for "the same answer"; the database rows are reduced the same way. An answer is lost when
the last save the server confirmed with 200 is not what the database holds (a later save the client
sent but got no answer for may have replaced it — that is allowed and counted as "superseded").
Exit status 1 when anything is lost.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.http import QueryDict  # noqa: E402

from assessment.answers import criteria_for, fields_from_post, parse_answer, values_from_row  # noqa: E402
from assessment.formulas import FORMULAS  # noqa: E402
from assessment.models import Answer, Assessment  # noqa: E402
from loadtest.counting import (  # noqa: E402
    Sample,
    Send,
    error_window,
    format_ms,
    lost_answers,
    status_counts,
    summarise,
    timeline,
)


def send_digest(target: Any, code: str, fields: dict[str, Any]) -> str:
    post = QueryDict(mutable=True)
    for name, value in fields.items():
        post.setlist(f"{code}-{name}", value if isinstance(value, list) else [value])
    parsed = parse_answer(target, fields_from_post(post, code, formula=FORMULAS.get(getattr(target, "formula", ""))))
    if parsed.values is None:
        raise SystemExit(f"verify: the client sent an invalid answer for {code}: {parsed.errors}")
    return parsed.values.digest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--events", type=Path, help="JSON {label: wall-clock time} of injected faults")
    parser.add_argument("--summary", type=Path, help="append a one-line JSON summary here")
    parser.add_argument("--fault", action="store_true", help="errors are allowed; the run must end error-free")
    args = parser.parse_args()

    result = json.loads(args.result.read_text())
    samples = [Sample(**s) for s in result["samples"]]
    duration = result["duration"]

    assessments = {s["assessment"] for s in result["sends"]}
    targets: dict[int, dict[str, Any]] = {}
    for assessment in Assessment.objects.filter(pk__in=assessments).select_related("criteria_set"):
        criteria = criteria_for(assessment.criteria_set)
        targets[assessment.pk] = criteria.indicators | criteria.gates
    sends = [
        Send(
            key=(s["assessment"], s["code"]),
            seq=s["seq"],
            digest=send_digest(targets[s["assessment"]][s["code"]], s["code"], s["fields"]),
            acked=s["status"] == 200,
        )
        for s in result["sends"]
    ]
    database = {
        (row.assessment_id, row.code): values_from_row(row, with_note=False).digest()
        for row in Answer.objects.filter(assessment_id__in=assessments).select_related("sector_value")
    }
    lost = lost_answers(sends, database)

    stats = summarise(samples, duration)
    logins = "sessions of the previous run reused" if result.get("sessions_reused") else "logged in"
    print(
        f"\n=== {args.name}: {result['logged_in']} of {result['users']} users {logins} (in {result['login_seconds']:.1f} s), "
        f"then {duration:.1f} s of page views and autosaves; servers {', '.join(result['bases'])}"
    )
    print(
        f"{'kind':<9} {'requests':>8} {'errors':>6} {'err %':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'req/s':>6}"
    )
    for kind, row in stats.items():
        print(
            f"{kind:<9} {row['requests']:>8} {row['errors']:>6} {row['error_rate'] * 100:>6.2f} "
            f"{format_ms(row['p50_ms']):>7} {format_ms(row['p95_ms']):>7} {format_ms(row['max_ms']):>7} {row['per_second']:>6.1f}"
        )
    print("statuses:", ", ".join(f"{k}: {v}" for k, v in status_counts(samples).items()))
    print(
        f"autosaves confirmed (200): {lost.acked_saves}; answers checked: {lost.answers_checked}; "
        f"superseded by an unconfirmed later save: {lost.superseded}; LOST: {len(lost.lost)}"
    )
    for key, why in lost.lost[:20]:
        print(f"  lost {key}: {why}")

    servers = sorted({s.server for s in samples})
    on_all = sum(1 for per in result["per_user_servers"].values() if all(per.get(p, 0) > 0 for p in servers))
    if len(servers) > 1:
        counts = {p: sum(1 for s in samples if s.server == p and s.ok) for p in servers}
        print(
            f"successful requests per server: {counts}; users served successfully by every server: "
            f"{on_all} of {len(result['per_user_servers'])}"
        )

    summary: dict[str, Any] = {
        "name": args.name,
        "users": result["users"],
        "logged_in": result["logged_in"],
        "login_seconds": round(result["login_seconds"], 1),
        "sessions_reused": bool(result.get("sessions_reused")),
        "servers": len(servers),
        "duration": round(duration, 1),
        "stats": stats,
        "acked": lost.acked_saves,
        "checked": lost.answers_checked,
        "superseded": lost.superseded,
        "lost": len(lost.lost),
        "users_on_all_servers": on_all,
        "unfinished_users": result["unfinished_users"],
    }
    failed = bool(lost.lost) or result["unfinished_users"] > 0 or result["logged_in"] < result["users"]
    if args.events:
        events = {label: at - result["wall_start"] for label, at in json.loads(args.events.read_text()).items()}
        timed = [s for s in samples if s.start >= 0]
        window = error_window(timed)
        print("faults (s after the start):", ", ".join(f"{k} {v:.1f}" for k, v in events.items()))
        if window:
            print(f"failed requests between {window[0]:.1f} s and {window[1]:.1f} s (by request start)")
        tail = [s for s in timed if s.start >= duration - 15]
        tail_errors = sum(1 for s in tail if not s.ok)
        print(f"last 15 s of the run: {len(tail) - tail_errors} ok, {tail_errors} errors")
        print("timeline (s: ok/errors):", " ".join(f"{t}:{ok}/{bad}" for t, ok, bad in timeline(timed, 2.0)))
        summary |= {
            "events": events,
            "error_window": window,
            "tail_ok": len(tail) - tail_errors,
            "tail_errors": tail_errors,
        }
        failed = failed or tail_errors > 0 or len(tail) == tail_errors
    if not args.fault:
        failed = failed or stats.get("all", {}).get("errors", 0) > 0
    summary["passed"] = not failed
    print("RESULT:", "PASS" if not failed else "FAIL")
    if args.summary:
        with args.summary.open("a") as out:
            out.write(json.dumps(summary) + "\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
