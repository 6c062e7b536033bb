"""How a stream went, in words: shared by the terminal status line and the HTML footer.

Plain text, not escaped: each renderer escapes for its own medium.
"""

from __future__ import annotations

from ._snapshot import Snapshot

__all__ = ["metrics", "outcome"]


def outcome(snap: Snapshot) -> str:
    """How the stream ended (or what it is doing): ``end_turn``, ``error overloaded_error: ...``."""
    if snap.state == "complete":
        return snap.stop_reason or "complete"
    if snap.state == "errored" and snap.error:
        return f"error {snap.error.type}: {snap.error.message}"
    if snap.state in ("waiting", "streaming"):
        return snap.phase
    return snap.state + (f": {snap.end_reason}" if snap.end_reason else "")


def metrics(snap: Snapshot) -> list[str]:
    """Tokens in/out (``~`` while estimated), time to first token, tokens/s, total time."""
    parts: list[str] = []
    usage, about = snap.usage, "" if snap.usage_final else "~"
    if usage or snap.output_tokens:
        out = f"{about}{snap.output_tokens}" if snap.output_tokens is not None else "?"
        tokens = f"{usage.get('input_tokens', '?')} in / {out} out tokens"
        cached = usage.get("cache_read_input_tokens")
        written = usage.get("cache_creation_input_tokens")
        extra = [f"{cached} cache read"] if cached else []
        extra += [f"{written} cache write"] if written else []
        parts.append(tokens + (f" ({', '.join(extra)})" if extra else ""))
    if snap.time_to_first_token is not None:
        parts.append(f"first token {snap.time_to_first_token:.2f} s")
    if snap.tokens_per_second is not None:
        parts.append(f"{about}{snap.tokens_per_second:.1f} tokens/s")
    if snap.total_time is not None:
        parts.append(f"{snap.total_time:.2f} s total")
    return parts
