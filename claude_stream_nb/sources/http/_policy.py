"""When to retry and how long to wait first: pure decisions.

Retries (before the first event) follow the official SDK: ``x-should-retry`` decides first;
else 408, 409, 429 and 5xx (529 included) are retried, as are connection errors and timeouts;
the wait is ``retry-after-ms``, else ``retry-after`` (seconds or an HTTP date, up to 60 s), else
``min(0.5 * 2**n, 8)`` seconds less up to 25 % jitter.

How a stream that broke after its first event is continued is :mod:`.._continue`'s (the live
client and a recording's reader share it).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

__all__ = ["RETRYABLE_ERROR_EVENTS", "retry_delay", "should_retry"]

RETRYABLE_ERROR_EVENTS = frozenset({"overloaded_error", "api_error", "rate_limit_error", "timeout_error"})


def should_retry(status: int, headers: Mapping[str, str]) -> bool:
    flag = headers.get("x-should-retry")
    if flag == "true":
        return True
    if flag == "false":
        return False
    return status in (408, 409, 429) or status >= 500


def retry_delay(retry: int, headers: Mapping[str, str], rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (0-based)."""
    for key, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(key)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            seconds = _http_date_delay(value) if key == "retry-after" else -1
        if 0 <= seconds <= 60:
            return seconds
    base = min(0.5 * 2.0**retry, 8.0)
    return base * (1 - 0.25 * (rng or random).random())


def _http_date_delay(value: str) -> float:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return -1
    if when.tzinfo is None:  # "-0000": a time without a zone, taken as UTC
        when = when.replace(tzinfo=timezone.utc)
    return (when - datetime.now(timezone.utc)).total_seconds()
