"""Rate limits on guessing secrets (consultancy access codes): per user and per client address.

Counters live in Django's cache (Redis when configured, so every app server shares them). A
blocked caller is refused before the code is even looked up, so a guess costs nothing to refuse.
"""

from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window_seconds: int


ACCESS_CODE_PER_USER = Limit("access-code:user", attempts=5, window_seconds=15 * 60)
ACCESS_CODE_PER_IP = Limit("access-code:ip", attempts=20, window_seconds=15 * 60)


def _key(limit: Limit, who: str) -> str:
    return f"throttle:{limit.scope}:{who}"


def is_blocked(limit: Limit, who: str) -> bool:
    return (cache.get(_key(limit, who)) or 0) >= limit.attempts


def record_failure(limit: Limit, who: str) -> int:
    """Count one failure in the current window (which starts at the first failure)."""
    key = _key(limit, who)
    if cache.add(key, 1, timeout=limit.window_seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.window_seconds)
        return 1


def reset(limit: Limit, who: str) -> None:
    cache.delete(_key(limit, who))
