"""Tool input JSON: strict at block stop, honest while streaming."""

from __future__ import annotations

import jiter
import pytest

from claude_stream_nb.core._partial_json import parse_cut, parse_final, parse_partial


@pytest.mark.parametrize(
    ("text", "value", "pending"),
    [
        ('{"n": 12', {}, "12"),  # the SDK shows 12 here; the next delta may make it 125
        ('{"a": [1, 2', {"a": [1]}, "2"),
        ('{"ok": tr', {}, "tr"),
        ('{"x": -1.5e', {}, "-1.5e"),
        ('{"city": "Par', {"city": "Par"}, ""),  # an open string is shown as it stands
        ('{"city": "Paris", "days": 3', {"city": "Paris"}, "3"),
        ('{"ke', {}, ""),
    ],
)
def test_partial_holds_back_what_may_still_change(text: str, value: object, pending: str) -> None:
    result = parse_partial(text)
    assert (result.value, result.pending, result.complete) == (value, pending, False)


def test_partial_of_a_whole_value_is_complete() -> None:
    result = parse_partial('{"n": 125}')
    assert (result.value, result.complete, result.pending) == ({"n": 125}, True, "")


def test_partial_reports_text_that_can_never_be_json() -> None:
    result = parse_partial('{"a": 1,,')
    assert result.value is None
    assert result.error is not None
    assert "column 9" in result.error


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_input_is_an_empty_object(text: str) -> None:
    assert parse_final(text) == ({}, None)


def test_final_parse_of_valid_json() -> None:
    assert parse_final('{"city": "Paris", "n": [1, 2.5, null]}') == (
        {"city": "Paris", "n": [1, 2.5, None]},
        None,
    )


def test_final_parse_of_cut_off_json_keeps_what_the_sdk_would_and_says_why() -> None:
    value, error = parse_final('{"path": "notes.md", "content": "# Meet')
    assert value == {"path": "notes.md"}  # jiter partial mode, as the official SDK keeps it
    assert error is not None
    assert "EOF while parsing a string" in error


def test_final_parse_of_invalid_json() -> None:
    value, error = parse_final('{"a": }')
    assert value == {}
    assert error is not None
    assert error.startswith("invalid JSON")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": 1, "b": "unfini', {"a": 1}),  # an unfinished trailing string is dropped, as the SDK does
        ('{"n": 12', {"n": 12}),  # an unfinished number is kept, as the SDK does
        ('{"list": ["x", "y', {"list": ["x"]}),
        ('{"whole": true}', {"whole": True}),
        ("", {}),
        ("{oops", {}),
    ],
)
def test_a_cut_tool_input_is_the_sdks_partial_parse(text: str, value: object) -> None:
    assert parse_cut(text) == value
    if text.strip() and text != "{oops":
        assert parse_cut(text) == jiter.from_json(text.encode(), partial_mode=True)
