"""Checks for the tutorials' exercises: each notebook's module (``nb02`` for ``02_text``...)
has one function per exercise that says right or not yet, and why.

Conventions: an exercise cell starts with ``answer = ...``; the check cell calls
``nb02.exercise_1(answer)``. An ``...`` left in place is "not answered yet", not wrong.
"""

from ._check import Verdict, check, unanswered

__all__ = ["Verdict", "check", "unanswered"]
