"""Checks for ``09_proxy_and_browser``: headers that stop buffering, a chunk-proof reader, nginx."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..core._sse import SSEDecoder
from ..sources._fixtures import load_fixture
from ._check import Verdict, check, unanswered

__all__ = ["exercise_1", "exercise_2", "exercise_3"]


def exercise_1(answer: Any) -> Verdict:
    """The response headers a backend sends with an SSE stream so that nginx (and browsers,
    and caches) pass it on event by event."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not isinstance(answer, Mapping):
        return Verdict(False, f"give the headers as a dict {{name: value}}; got {type(answer).__name__}.")
    headers = {str(k).lower(): str(v).strip().lower() for k, v in answer.items()}
    kind = headers.get("content-type", "")
    if not kind.startswith("text/event-stream"):
        return Verdict(False, "content-type must be text/event-stream: EventSource refuses anything else.")
    if "no-cache" not in headers.get("cache-control", "") and "no-store" not in headers.get("cache-control", ""):
        return Verdict(False, "add cache-control: no-cache -- a cache that stores the response holds it back too.")
    if "content-length" in headers:
        return Verdict(False, "no content-length: the length of a stream is not known until it ends.")
    if headers.get("content-encoding", "identity") != "identity":
        return Verdict(False, "don't compress the stream: a compressor waits to fill its buffer before sending.")
    accel = headers.get("x-accel-buffering")
    if accel is None:
        return Verdict(False, "nginx still buffers this: one more header turns its buffering off for this response.")
    return check(
        accel == "no",
        "text/event-stream, no-cache, and X-Accel-Buffering: no -- nginx passes each event on as it arrives.",
        f"X-Accel-Buffering: no switches nginx's buffering off; {accel!r} does not.",
    )


def _chunkings(body: bytes) -> Iterator[tuple[str, list[bytes]]]:
    """The same stream cut in the ways a network (or a proxy) cuts it."""
    crlf = body.replace(b"\n", b"\r\n")
    yield "the whole body in one chunk", [body]
    yield "one event per chunk", [e.raw for e in SSEDecoder().feed(body)]
    yield "chunks of 1,400 bytes (a TCP segment)", _cut(body, 1400)
    yield "chunks of 7 bytes", _cut(body, 7)
    yield "one byte at a time (multi-byte characters split)", _cut(body, 1)
    yield "CRLF line endings, 3-byte chunks", _cut(crlf, 3)


def _cut(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def exercise_2(answer: Any) -> Verdict:
    """``read_events(chunks) -> list``: the ``data`` of every event, parsed as JSON, whatever
    the chunk boundaries."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not callable(answer):
        return Verdict(False, "answer with your function itself (read_events), not a call to it.")
    reader: Callable[[Iterable[bytes]], Any] = answer
    body = load_fixture("unicode").body
    want = [json.loads(e.data) for e in SSEDecoder().feed(body)]
    for how, chunks in _chunkings(body):
        try:
            got = reader(iter(chunks))
        except Exception as exc:
            return Verdict(False, f"with {how}, your function raised {type(exc).__name__}: {exc}")
        got = list(got) if got is not None else []
        if got == want:
            continue
        if len(got) != len(want):
            return Verdict(False, f"with {how}, {len(got)} events came out of {len(want)}.")
        wrong = next(i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b)
        if "\ufffd" in json.dumps(got[wrong], ensure_ascii=False):
            return Verdict(
                False,
                f"with {how}, event {wrong + 1} has a character cut in two (�): decode complete lines, "
                "not each chunk on its own.",
            )
        return Verdict(False, f"with {how}, event {wrong + 1} differs: {str(got[wrong])[:80]}")
    return Verdict(True, f"all {len(want)} events, however the bytes were cut: buffer across chunks, split on lines.")


_DIRECTIVE = re.compile(r"^proxy_buffering\s+off$")


def exercise_3(answer: Any) -> Verdict:
    """The nginx directive that turns response buffering off for a ``location``."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not isinstance(answer, str):
        return Verdict(False, "answer with the directive as a string, the way it is written in nginx.conf.")
    text = " ".join(answer.strip().rstrip(";").split()).lower()
    if "x-accel-buffering" in text:
        return Verdict(False, "that is the header a backend sends; the question asks for the directive in nginx.conf.")
    if text.startswith("proxy_buffering") and "on" in text.split():
        return Verdict(False, "on is the default, the one that holds your events back.")
    return check(
        bool(_DIRECTIVE.match(text)),
        "proxy_buffering off; -- in the location that proxies the stream.",
        f"not quite: {answer!r}. The directive is named after proxy buffering, followed by off.",
    )
