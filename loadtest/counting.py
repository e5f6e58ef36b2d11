"""Pure counting for the load test: percentiles, per-kind summaries, timelines and lost answers.

No Django here, so the client can import it and tests can check it without a database.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """One HTTP request as the client saw it."""

    kind: str  # "login", "page", "autosave"
    start: float  # seconds since the run started
    ms: float
    status: int  # 0: no answer (connection error, timeout)
    ok: bool
    server: str = ""


@dataclass(frozen=True)
class Send:
    """One autosave the client sent: its key, sequence, the digest of its values and whether it got a 200."""

    key: tuple[int, str]  # (assessment pk, indicator code)
    seq: int
    digest: str
    acked: bool


def percentile(values: Iterable[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100): a value that was actually measured; None when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(samples: Iterable[Sample], duration: float) -> dict[str, dict[str, float | int | None]]:
    """Per kind (and "all"): requests, errors, error rate, p50/p95/max of the successful ones, req/s."""
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
        by_kind["all"].append(sample)
    out: dict[str, dict[str, float | int | None]] = {}
    for kind, items in sorted(by_kind.items()):
        ok_ms = [s.ms for s in items if s.ok]
        errors = sum(1 for s in items if not s.ok)
        out[kind] = {
            "requests": len(items),
            "errors": errors,
            "error_rate": errors / len(items) if items else 0.0,
            "p50_ms": percentile(ok_ms, 50),
            "p95_ms": percentile(ok_ms, 95),
            "max_ms": max(ok_ms) if ok_ms else None,
            "per_second": len(items) / duration if duration > 0 else 0.0,
        }
    return out


def status_counts(samples: Iterable[Sample]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for sample in samples:
        counts[f"{sample.kind} {sample.status or 'no-answer'}"] += 1
    return dict(sorted(counts.items()))


def timeline(samples: Iterable[Sample], step: float = 1.0) -> list[tuple[int, int, int]]:
    """(second, ok, errors) per `step` seconds of the run, by request start time."""
    buckets: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for sample in samples:
        buckets[int(sample.start // step)][0 if sample.ok else 1] += 1
    return [(second, ok, bad) for second, (ok, bad) in sorted(buckets.items())]


def error_window(samples: Iterable[Sample]) -> tuple[float, float] | None:
    """Start times of the first and the last failed request, or None when nothing failed."""
    starts = [s.start for s in samples if not s.ok]
    return (min(starts), max(starts)) if starts else None


@dataclass(frozen=True)
class LostReport:
    acked_saves: int  # autosaves answered 200
    answers_checked: int  # distinct (assessment, code) with at least one 200
    lost: list[tuple[tuple[int, str], str]]  # key, why
    superseded: int  # the database holds a later save whose answer the client never got (allowed)


def lost_answers(sends: Iterable[Send], database: Mapping[tuple[int, str], str]) -> LostReport:
    """Compare what the clients were told was saved with what the database holds.

    `sends` in the order each client sent them (the client's own sequence numbers, 1, 2, …; the server
    orders saves by version, and a page sends one save of an answer at a time); `database` maps key →
    digest of the stored row. For each key the last save answered 200 must be in the database — or the
    values of a *later* save of the same key (one the client sent but got no answer for, e.g. during a
    database outage).
    """
    per_key: dict[tuple[int, str], list[Send]] = defaultdict(list)
    acked = 0
    for send in sends:
        per_key[send.key].append(send)
        acked += send.acked
    lost: list[tuple[tuple[int, str], str]] = []
    superseded = checked = 0
    for key, items in per_key.items():
        last_ok = max((i for i, s in enumerate(items) if s.acked), default=None)
        if last_ok is None:
            continue
        checked += 1
        confirmed = items[last_ok]
        row = database.get(key)
        if row is None:
            lost.append((key, f"no row; seq {confirmed.seq} was confirmed"))
            continue
        digest = row
        if digest == confirmed.digest:
            continue
        if any(s.digest == digest for s in items[last_ok + 1 :]):
            superseded += 1
            continue
        lost.append((key, f"row has digest {digest}; confirmed seq {confirmed.seq}, digest {confirmed.digest}"))
    return LostReport(acked_saves=acked, answers_checked=checked, lost=lost, superseded=superseded)


def format_ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"
