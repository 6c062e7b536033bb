"""What the exercise tests assert about a verdict (shared by tests/test_exercises_*.py)."""

from __future__ import annotations

from claude_stream_nb.exercises import Verdict


def assert_right(verdict: Verdict) -> None:
    assert isinstance(verdict, Verdict)
    assert verdict.right, verdict.why
    assert repr(verdict).startswith("✓ Right: ")


def assert_wrong(verdict: Verdict, *words: str) -> None:
    """A wrong verdict whose reason mentions every word."""
    assert isinstance(verdict, Verdict)
    assert not verdict.right
    assert repr(verdict).startswith("✗ Not yet: ")
    for word in words:
        assert word.lower() in verdict.why.lower(), (word, verdict.why)
