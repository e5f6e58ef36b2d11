"""Load-test client: N virtual users log in, open category pages and autosave answers, bounded in time.

Plain Python threads + requests (one `requests.Session` per user, so each keeps its own cookies).
Loopback only: every base URL must be http://127.0.0.1:<port> or http://localhost:<port>.

    .venv/bin/python loadtest/client.py --plan plan.json --base http://127.0.0.1:8001 \
        [--base http://127.0.0.1:8002] --duration 60 --out result.json

With several --base URLs every request of every user goes to the next server in turn (round-robin),
so a user's session must be valid on all of them.

Each autosave is what the page's script sends (static/js/questionnaire.js): the answer's fields,
`<code>-version` / `<code>-base` from the page or the previous answer's JSON, the page's `client`
token, and the `X-Autosave` and `X-CSRFToken` headers. Every save is logged (assessment, code, the
client's own sequence number, fields, status) for loadtest/verify.py, which compares the confirmed
ones with the database.
"""

import argparse
import json
import random
import re
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from loadtest.counting import Sample  # noqa: E402

TIMEOUT = 20  # seconds; above the app's 10 s database-pool wait, so an outage shows as the server's answer
# A login hashes the password (PBKDF2, 1.5 million iterations: ~0.7 s of CPU here), so 50 at once on
# 2 cores queue for a while; the login form waits behind them on the same server processes.
LOGIN_TIMEOUT = 120
LOGIN_ATTEMPTS = 2
LOGIN_STAGE_LIMIT = 150  # seconds after the last user started: then the timed stage starts regardless
CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')
CSRF_IN_FORM = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def hidden(html: str, name: str) -> str | None:
    match = re.search(r'name="' + re.escape(name) + r'" value="([^"]*)"', html)
    return unescape(match.group(1)) if match else None


@dataclass
class FieldState:
    """What the client knows about one answer: the last version/base the server showed, how many saves it sent."""

    version: int = 0
    base: str = ""
    seq: int = 0
    last_sent: int = -1  # index of the candidate sent last


@dataclass
class Shared:
    deadline: float
    started: float
    max_requests: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    ready: threading.Event = field(default_factory=threading.Event)
    logged_in: int = 0
    arrived: int = 0  # users done with stage 1, logged in or not
    requests: int = 0
    samples: list[Sample] = field(default_factory=list)
    sends: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, dict[str, int]] = field(default_factory=dict)

    def budget_left(self) -> bool:
        return time.monotonic() < self.deadline and self.requests < self.max_requests

    def start_clock(self, duration: float) -> None:
        """Start the timed stage: the deadline counts from now."""
        self.started = time.monotonic()
        self.deadline = self.started + duration
        self.ready.set()


class VirtualUser(threading.Thread):
    def __init__(
        self,
        number: int,
        user: dict[str, Any],
        plan: dict[str, Any],
        bases: list[str],
        shared: Shared,
        think: tuple[float, float],
        start_delay: float,
        seed: int,
    ) -> None:
        super().__init__(name=f"vu-{number}", daemon=True)
        self.user, self.plan, self.bases, self.shared = user, plan, bases, shared
        self.think, self.start_delay = think, start_delay
        self.rng = random.Random(seed * 1000 + number)
        self.http = requests.Session()
        self.turn = number  # round-robin position; users start on different servers
        self.csrf = ""
        self.token = f"load-{seed}-{number}"  # the page token a browser tab sends with its saves
        self.fields: dict[str, FieldState] = {}
        self.per_server: dict[str, int] = {}

    # --- HTTP with accounting ---------------------------------------------------------------

    def _request(
        self, kind: str, method: str, path: str, *, ok_status: tuple[int, ...], **kwargs: Any
    ) -> requests.Response | None:
        base = self.bases[self.turn % len(self.bases)]
        self.turn += 1
        with self.shared.lock:
            self.shared.requests += 1
        begin = time.monotonic()
        response: requests.Response | None = None
        try:
            timeout = LOGIN_TIMEOUT if kind in ("login", "login_form") else TIMEOUT
            response = self.http.request(method, base + path, timeout=timeout, allow_redirects=False, **kwargs)
            status = response.status_code
        except requests.RequestException:
            status = 0
        elapsed = (time.monotonic() - begin) * 1000
        ok = status in ok_status
        server = urlsplit(base).port or 0
        with self.shared.lock:
            self.shared.samples.append(Sample(kind, begin, elapsed, status, ok, str(server)))
        if ok:
            self.per_server[str(server)] = self.per_server.get(str(server), 0) + 1
        return response

    def pause(self, low: float | None = None, high: float | None = None) -> None:
        time.sleep(
            self.rng.uniform(low if low is not None else self.think[0], high if high is not None else self.think[1])
        )

    # --- Journey ----------------------------------------------------------------------------

    def login(self) -> bool:
        page = self._request("login_form", "GET", "/accounts/login/", ok_status=(200,))
        if page is None or page.status_code != 200 or not (token := CSRF_IN_FORM.search(page.text)):
            return False
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "username": self.user["email"],
            "password": self.plan["password"],
        }
        answer = self._request("login", "POST", "/accounts/login/", ok_status=(302,), data=data)
        # A wrong password re-renders the form with 200; success redirects to the dashboard.
        return (
            answer is not None
            and answer.status_code == 302
            and "/accounts/login" not in answer.headers.get("Location", "")
        )

    def open_category(self, category: str) -> str | None:
        path = f"/assessments/{self.user['assessment']}/c/{category}/"
        response = self._request("page", "GET", path, ok_status=(200,))
        if response is None or response.status_code != 200 or 'data-autosave="' not in response.text:
            return None
        html = response.text
        if token := CSRF_IN_PAGE.search(html):
            self.csrf = unescape(token.group(1))
        for code, spec in self.plan["indicators"].items():
            if spec["category"] != category:
                continue
            state = self.fields.setdefault(code, FieldState())
            state.version = int(hidden(html, f"{code}-version") or 0)
            state.base = hidden(html, f"{code}-base") or ""
        return html

    def autosave(self, category: str, code: str, *, retry_conflict: bool = True) -> None:
        spec = self.plan["indicators"][code]
        state = self.fields[code]
        choices = [i for i in range(len(spec["candidates"])) if i != state.last_sent]
        index = self.rng.choice(choices)
        fields = spec["candidates"][index]
        state.seq += 1
        state.last_sent = index
        data: list[tuple[str, str]] = [
            (f"{code}-version", str(state.version)),
            (f"{code}-base", state.base),
            ("client", self.token),
        ]
        for name, value in fields.items():
            for item in value if isinstance(value, list) else [value]:
                data.append((f"{code}-{name}", item))
        headers = {"X-Autosave": "1", "X-CSRFToken": self.csrf}
        path = f"/assessments/{self.user['assessment']}/answer/{code}/"
        response = self._request("autosave", "POST", path, ok_status=(200,), data=data, headers=headers)
        status = response.status_code if response is not None else 0
        with self.shared.lock:
            self.shared.sends.append(
                {
                    "assessment": self.user["assessment"],
                    "code": code,
                    "seq": state.seq,
                    "fields": fields,
                    "status": status,
                }
            )
        if response is None or status not in (200, 409):
            return
        # The answer names the stored version and digest (after a conflict too, for "Save again").
        try:
            answer = response.json()
        except ValueError:
            return
        state.version = int(answer.get("version") or state.version)
        state.base = answer.get("base") or state.base
        if status == 409 and retry_conflict:
            # What "Save again" does in the browser: the user's value over the current version.
            self.autosave(category, code, retry_conflict=False)

    def run(self) -> None:
        # Stage 1: log in (staggered over the ramp); stage 2, after every user has: the timed mix.
        time.sleep(self.start_delay)
        logged_in = bool(self.http.cookies.get("sessionid"))  # a session of an earlier run (--sessions-in)
        for _attempt in range(0 if logged_in else LOGIN_ATTEMPTS):
            if logged_in := self.login():
                break
        with self.shared.lock:
            self.shared.arrived += 1
            self.shared.logged_in += logged_in
        self.shared.ready.wait()
        while logged_in and self.shared.budget_left():
            category = self.rng.choice(self.plan["categories"])
            html = self.open_category(category)
            if html is None:
                self.pause(0.5, 1.0)
                continue
            codes = [c for c, s in self.plan["indicators"].items() if s["category"] == category]
            for code in self.rng.sample(codes, k=min(len(codes), self.rng.randint(2, 4))):
                if not self.shared.budget_left():
                    break
                self.pause()
                self.autosave(category, code)
            self.pause()
        with self.shared.lock:
            self.shared.users[self.user["email"]] = self.per_server


def check_loopback(base: str) -> str:
    parts = urlsplit(base)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost") or parts.path not in ("", "/"):
        raise SystemExit(f"client: {base!r} is not an http://127.0.0.1:<port> address; this test stays on loopback")
    return base.rstrip("/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--base", action="append", required=True, help="server base URL; repeat for round-robin")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--users", type=int, default=0, help="0: every user of the plan")
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which the users start")
    parser.add_argument("--think", default="0.3,1.0", help="seconds between a user's actions: low,high")
    parser.add_argument("--max-requests", type=int, default=50000, help="hard cap on requests")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sessions-out", type=Path, help="save each user's cookies here after the run")
    parser.add_argument("--sessions-in", type=Path, help="reuse the sessions of an earlier run instead of logging in")
    parser.add_argument("--started-file", type=Path, help="written when the timed stage starts (for fault injection)")
    args = parser.parse_args()

    bases = [check_loopback(b) for b in args.base]
    plan = json.loads(args.plan.read_text())
    users = plan["users"][: args.users or None]
    low, high = (float(x) for x in args.think.split(","))
    login_started = time.monotonic()
    shared = Shared(deadline=login_started + args.duration, started=login_started, max_requests=args.max_requests)
    sessions = json.loads(args.sessions_in.read_text()) if args.sessions_in else {}
    threads = [
        VirtualUser(i, user, plan, bases, shared, (low, high), 0 if sessions else args.ramp * i / len(users), args.seed)
        for i, user in enumerate(users)
    ]
    for thread in threads:
        # Cookies are per host name, not per port: one jar serves every server of the round-robin.
        for name, value in sessions.get(thread.user["email"], {}).items():
            thread.http.cookies.set(name, value, domain="127.0.0.1")
    for thread in threads:
        thread.start()
    login_limit = login_started + args.ramp + LOGIN_STAGE_LIMIT
    while shared.arrived < len(users) and time.monotonic() < login_limit:
        time.sleep(0.2)
    login_seconds = time.monotonic() - login_started
    wall_start = time.time()
    shared.start_clock(args.duration)
    if args.started_file:
        args.started_file.write_text(str(wall_start))
    for thread in threads:
        # Bounded: a request in flight at the deadline ends within TIMEOUT.
        thread.join(timeout=max(0.0, shared.deadline - time.monotonic()) + TIMEOUT + 5)
    elapsed = time.monotonic() - shared.started
    with shared.lock:
        result = {
            "bases": bases,
            "users": len(users),
            "logged_in": shared.logged_in,
            "sessions_reused": bool(sessions),
            "login_seconds": login_seconds,
            "duration": elapsed,
            "wall_start": wall_start,
            "think": [low, high],
            # Start times relative to the timed stage (logins are negative).
            "samples": [asdict(s) | {"start": s.start - shared.started} for s in shared.samples],
            "sends": list(shared.sends),
            "per_user_servers": dict(shared.users),
            "unfinished_users": sum(1 for t in threads if t.is_alive()),
        }
    args.out.write_text(json.dumps(result))
    if args.sessions_out:
        args.sessions_out.write_text(json.dumps({t.user["email"]: t.http.cookies.get_dict() for t in threads}))
    print(
        f"client: {shared.logged_in} of {len(users)} users logged in ({login_seconds:.1f} s), "
        f"{len(result['samples'])} requests, timed stage {elapsed:.1f} s → {args.out}"
    )


if __name__ == "__main__":
    main()
