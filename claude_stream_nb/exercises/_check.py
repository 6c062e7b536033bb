"""The verdict an exercise check gives: shown in the notebook, usable in tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Verdict", "check", "unanswered"]


@dataclass(frozen=True)
class Verdict:
    """Right or not, and why. Its repr is what the notebook shows."""

    right: bool
    why: str

    def __repr__(self) -> str:
        return f"✓ Right: {self.why}" if self.right else f"✗ Not yet: {self.why}"

    def __bool__(self) -> bool:
        return self.right


def unanswered(answer: Any) -> Verdict | None:
    """The verdict for an answer still left as ``...`` (None when there is an answer)."""
    if answer is Ellipsis:
        return Verdict(False, "replace the `...` with your answer, then run this cell again.")
    return None


def check(condition: bool, right: str, wrong: str) -> Verdict:
    """``Verdict(True, right)`` when ``condition`` holds, else ``Verdict(False, wrong)``."""
    return Verdict(bool(condition), right if condition else wrong)
