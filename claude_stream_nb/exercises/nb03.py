"""Checks for ``03_thinking``: thinking deltas, signatures, sending thinking back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core._events import ContentBlockDelta, ThinkingDelta
from ._check import Verdict, check, unanswered
from .nb02 import folded

__all__ = ["exercise_1", "exercise_2", "exercise_3"]


def exercise_1(answer: Any) -> Verdict:
    """The assistant message to send back after ``thinking_tool_use`` (before the tool result)."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    expected = folded("thinking_tool_use")[1].to_message()["content"]
    if not isinstance(answer, dict):
        return Verdict(False, "give a dict: {'role': 'assistant', 'content': [...]}.")
    extra = sorted(set(answer) - {"role", "content"})
    if extra:
        return Verdict(False, f"a message you send has only 'role' and 'content'; drop {extra} (the API rejects them).")
    if answer.get("role") != "assistant":
        return Verdict(False, f"role should be 'assistant' (the model said it), got {answer.get('role')!r}.")
    content = answer.get("content")
    if not isinstance(content, list) or not all(isinstance(b, dict) for b in content):
        return Verdict(False, "content should be the list of blocks, as message['content'] has them.")
    types = [b.get("type") for b in content]
    want = [b["type"] for b in expected]
    if "thinking" not in types:
        return Verdict(
            False,
            "the thinking block is missing. With thinking on, the turn that called a tool "
            "must go back with its thinking block, or the next request fails.",
        )
    if types != want:
        return Verdict(False, f"keep every block, in order: {want}; you have {types}.")
    thinking, sent = expected[0], content[0]
    signature = sent.get("signature")
    if not signature:
        return Verdict(
            False,
            "the thinking block has no signature: it comes from the signature_delta just "
            "before content_block_stop. Without it the API refuses the block.",
        )
    if signature != thinking["signature"]:
        return Verdict(
            False,
            "the signature was changed: send it back byte for byte (no trimming, no "
            "concatenating). The API checks it against the thinking text.",
        )
    if sent.get("thinking") != thinking["thinking"]:
        return Verdict(
            False,
            "the thinking text was changed: the signature covers it, so it must go back as "
            "streamed (all the thinking_delta pieces, joined).",
        )
    for got, block in zip(content, expected, strict=True):
        if any(got.get(key) != value for key, value in block.items()):
            return Verdict(False, f"the {block['type']} block differs from what streamed: send it unchanged.")
    return Verdict(
        True,
        f"thinking ({len(thinking['thinking'])} characters, signature intact), text and tool_use, in order. "
        "Next comes a user message with the tool_result.",
    )


def _visible_thinking(name: str) -> str:
    events = folded(name)[0]
    return "".join(
        e.delta.thinking for e in events if isinstance(e, ContentBlockDelta) and isinstance(e.delta, ThinkingDelta)
    )


def exercise_2(answer: Any) -> Verdict:
    """A function: fixture name -> the thinking text a reader can see (all thinking deltas)."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not callable(answer):
        return Verdict(False, "give the function itself (answer = visible_thinking), not a call's result.")
    function: Callable[[str], Any] = answer
    for name in ("thinking_text", "thinking_tool_use", "redacted_thinking", "plain_text"):
        try:
            got = function(name)
        except Exception as exc:  # the learner's code: say what it raised
            return Verdict(False, f"visible_thinking({name!r}) raised {type(exc).__name__}: {exc}")
        if got is Ellipsis:
            return Verdict(False, "replace the `...` in the function with your code, then run both cells again.")
        expected = _visible_thinking(name)
        if not isinstance(got, str):
            return Verdict(False, f"visible_thinking({name!r}) should return a str, got {type(got).__name__}.")
        if got == expected:
            continue
        _, snap = folded(name)
        if any(b.signature and b.signature in got for b in snap.blocks):
            return Verdict(
                False, f"visible_thinking({name!r}) includes a signature: it is a check for the API, not text to show."
            )
        if any(b.type == "redacted_thinking" and str(b.start.get("data", "")) in got for b in snap.blocks):
            return Verdict(False, "redacted_thinking's data is encrypted: there is nothing in it to show.")
        if snap.text and snap.text in got:
            return Verdict(
                False, f"visible_thinking({name!r}) includes the answer (text_delta): keep only thinking_delta."
            )
        return Verdict(False, f"visible_thinking({name!r}) gave {got[:40]!r}…; expected {expected[:40]!r}….")
    return Verdict(
        True,
        "thinking arrives only in thinking_delta. redacted_thinking (encrypted) and display-omitted thinking "
        "show nothing, yet both blocks must still go back unchanged.",
    )


_DELTAS = {
    "text_delta": "append",
    "thinking_delta": "append",
    "input_json_delta": "append",
    "signature_delta": "replace",
}


def exercise_3(answer: Any) -> Verdict:
    """For each delta type: does it "append" to the block or "replace" a field?"""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not isinstance(answer, dict):
        return Verdict(False, "give a dict like {'text_delta': 'append', ...}.")
    if any(value is Ellipsis for value in answer.values()):
        return Verdict(False, 'replace each `...` with "append" or "replace", then run this cell again.')
    got = {str(k): str(v).strip().lower() for k, v in answer.items()}
    missing = sorted(set(_DELTAS) - set(got))
    if missing:
        return Verdict(False, f"say something for {missing}.")
    odd = sorted(k for k in _DELTAS if got[k] not in ("append", "replace"))
    if odd:
        return Verdict(False, f'answer "append" or "replace" for {odd}.')
    if got["signature_delta"] == "append":
        return Verdict(
            False,
            "signature_delta replaces: a signature is one whole value, set when the block "
            "ends. Gluing signatures together makes one the API rejects.",
        )
    wrong = sorted(k for k, v in _DELTAS.items() if got[k] != v)
    return check(
        not wrong,
        "text, thinking and tool-input JSON grow piece by piece; the signature is set, whole, just before "
        "content_block_stop.",
        f"look again at {wrong}: each piece of text is added to what came before.",
    )
