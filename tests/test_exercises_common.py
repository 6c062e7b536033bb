"""What every tutorial exercise check does, 01 to 09: an untouched ``...`` is "not answered
yet", and nonsense is rejected with a verdict, never an exception."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

import pytest

from .verdicts import assert_wrong

MODULES = [importlib.import_module(f"claude_stream_nb.exercises.nb{n:02d}") for n in range(1, 10)]
CHECKS: list[Callable[[Any], Any]] = [
    function
    for module in MODULES
    for name, function in sorted(inspect.getmembers(module, inspect.isfunction))
    if name.startswith("exercise_") and function.__module__ == module.__name__
]


def test_every_tutorial_has_its_checks() -> None:
    counts = {m.__name__.rsplit(".", 1)[-1]: sum(c.__module__ == m.__name__ for c in CHECKS) for m in MODULES}
    assert all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: f"{c.__module__.rsplit('.', 1)[-1]}.{c.__name__}")
def test_an_untouched_answer_is_not_yet_answered(check: Callable[[Any], Any]) -> None:
    assert_wrong(check(...), "replace the `...`")


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: f"{c.__module__.rsplit('.', 1)[-1]}.{c.__name__}")
def test_nonsense_is_rejected_without_raising(check: Callable[[Any], Any]) -> None:
    for nonsense in (None, 42, "nonsense", [], {}):
        assert not check(nonsense).right
