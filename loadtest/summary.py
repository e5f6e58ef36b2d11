"""Print the summary table of a run_load.sh run (and write it as Markdown for docs/load-test.md).

.venv/bin/python loadtest/summary.py WORKDIR/summary.jsonl [--markdown out.md]
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from loadtest.counting import format_ms  # noqa: E402

HEAD = [
    "run",
    "servers",
    "users",
    "logins ok",
    "login p50/p95 ms",
    "requests",
    "errors",
    "error %",
    "autosave p50/p95 ms",
    "page p50/p95 ms",
    "autosaves 200",
    "answers checked",
    "lost",
    "result",
]


def rows(records: list[dict]) -> list[list[str]]:
    out = []
    for r in records:
        if "stats" not in r:
            continue
        s = r["stats"]
        every = s.get("all", {})

        def pair(kind: str, stats: dict = s) -> str:
            k = stats.get(kind, {})
            return f"{format_ms(k.get('p50_ms'))} / {format_ms(k.get('p95_ms'))}"

        out.append(
            [
                r["name"],
                str(r["servers"]),
                str(r["users"]),
                "reused" if r.get("sessions_reused") else f"{r['logged_in']}/{r['users']}",
                pair("login"),
                str(every.get("requests", 0)),
                str(every.get("errors", 0)),
                f"{every.get('error_rate', 0) * 100:.2f}",
                pair("autosave"),
                pair("page"),
                str(r["acked"]),
                str(r["checked"]),
                str(r["lost"]),
                "PASS" if r["passed"] else "FAIL",
            ]
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("summary", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    records = [json.loads(line) for line in args.summary.read_text().splitlines() if line.strip()]
    table = rows(records)
    widths = [max(len(h), *(len(r[i]) for r in table)) if table else len(h) for i, h in enumerate(HEAD)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(HEAD, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in table]
    md = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)] + ["| " + " | ".join(r) + " |" for r in table]
    for r in records:
        if r["name"] == "fault-postgres-restart" and r.get("events"):
            window = r.get("error_window")
            text = (
                f"PostgreSQL restart: {', '.join(f'{k} at {v:.1f} s' for k, v in r['events'].items())}; "
                + (
                    f"failed requests started between {window[0]:.1f} s and {window[1]:.1f} s; "
                    if window
                    else "no failed request; "
                )
                + f"last 15 s: {r['tail_ok']} ok, {r['tail_errors']} errors; "
                + f"{r['superseded']} answers superseded by an unconfirmed later save"
            )
            lines.append(text)
            md.append("")
            md.append(text)
        if r["name"] == "worker-after-postgres-restart":
            text = "Task worker running through the PostgreSQL restart: " + (
                "still alive: PASS" if r["passed"] else "exited (OperationalError in its polling loop): FAIL"
            )
            lines.append(text)
            md += ["", text]
        if r["name"] == "worker-kill":
            text = (
                f"Worker killed mid-render: report left {r.get('left_status', '?')}, then {r.get('status', '?')} "
                f"after {r.get('seconds_after_kill', '?')} s, attempts {r.get('attempts', '?')}, {r.get('pages', '?')} pages, "
                f"{r.get('pdf_bytes', '?')} bytes: {'PASS' if r['passed'] else 'FAIL'}"
            )
            lines.append(text)
            md.append("")
            md.append(text)
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("\n".join(md) + "\n")
    sys.exit(0 if records and all(r["passed"] for r in records) else 1)


if __name__ == "__main__":
    main()
