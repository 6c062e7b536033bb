"""Rebuild the bundled stream fixtures in ``claude_stream_nb/fixtures/*.sse``.

Each fixture is a synthetic but protocol-exact recording of one streamed Messages API response
(see /work/shared/PROTOCOL.md): the raw SSE bytes, the time each event arrived, a one-line
description and the request that would have produced it. They cover plain text, long markdown,
extended thinking (plain, redacted and display-omitted), tool use (single, parallel, empty input,
cut off by ``max_tokens``), server-side web search with citations, mid-stream errors, a dropped
connection, a refusal, tricky Unicode, hostile HTML and unknown future event types.

Pacing imitates the real API: ``message_start`` after 0.3-0.8 s, first token by 1.0 s, then
30-120 tokens/s with jitter (about 4 characters per token, 1-3 tokens per delta), a ``ping`` right
after ``message_start`` and another every 5-10 s. Every fixture has its own random generator seeded
from its name, so the output is byte-for-byte identical on every run.

Run from the repository root::

    python scripts/make_fixtures.py              # rewrite claude_stream_nb/fixtures/*.sse
    python scripts/make_fixtures.py --out /tmp/x # write somewhere else
"""

# ruff: noqa: E501  (the handout text at the end keeps one paragraph per line, as a model writes it)
from __future__ import annotations

import argparse
import base64
import json
import random
import string
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

from claude_stream_nb.agent import Tool  # noqa: E402
from claude_stream_nb.agent._tools import result_text  # noqa: E402
from claude_stream_nb.agent.examples import get_weather, list_cities  # noqa: E402
from claude_stream_nb.core._sse import encode_event  # noqa: E402
from claude_stream_nb.core._stream import StreamFold  # noqa: E402
from claude_stream_nb.sources._fixtures import Recorded, dumps  # noqa: E402

SEED = "claude-stream-nb fixtures v1"
CUT = "\x1f"  # inside a text given to the builder: force a delta boundary here
B62 = string.ascii_letters + string.digits
SONNET, OPUS = "claude-sonnet-4-6", "claude-opus-4-6"
THINKING = {"type": "enabled", "budget_tokens": 2000}


def tool(name: str, description: str, required: list[str], **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        **({"required": required} if required else {}),
    }
    return {"name": name, "description": description, "input_schema": schema}


STR, NUM, BOOL = {"type": "string"}, {"type": "number"}, {"type": "boolean"}
WEATHER = tool(
    "get_weather",
    "Current weather and forecast for a city.",
    ["city"],
    city=STR,
    unit={"type": "string", "enum": ["celsius", "fahrenheit"]},
    days={"type": "integer", "description": "Forecast days (default 1)"},
    lat=NUM,
    lon=NUM,
    include={"type": "object", "properties": {"hourly": BOOL, "alerts": BOOL}},
)
TIME = tool("get_time", "Current local time in an IANA time zone.", ["timezone"], timezone=STR)
LIST_CITIES = tool("list_cities", "Cities the weather service knows.", [])
WRITE_FILE = tool("write_file", "Write a text file.", ["path", "content"], path=STR, content=STR)
RENDER_HTML = tool("render_html", "Render HTML.", ["html"], html=STR)


def request(prompt: str, model: str = SONNET, max_tokens: int = 1024, **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": prompt}],
        **extra,
    }


def jtext(value: Any) -> str:
    """Tool input as the model writes it (``", "`` and ``": "`` separators)."""
    return json.dumps(value, ensure_ascii=False)


class Stream:
    """Builds one response stream event by event, keeping a realistic clock."""

    def __init__(self, name: str, model: str = SONNET, input_tokens: int = 20, tps: float | None = None):
        self.rng = random.Random(f"{SEED}:{name}")
        self.model, self.input_tokens = model, input_tokens
        self.tps = tps or self.rng.uniform(30, 120)  # this response's output speed, tokens/s
        self.t = 0.0
        self.events: list[Recorded] = []
        self.index = 0  # index of the next content block
        self.out = 0  # output tokens so far
        self.first_token_at: float | None = None
        self.next_ping = float("inf")

    # -- low level -------------------------------------------------------------------------
    def ident(self, prefix: str, n: int = 22) -> str:
        return prefix + "".join(self.rng.choice(B62) for _ in range(n))

    def blob(self, nbytes: int) -> str:
        return base64.b64encode(b"\x12" + self.rng.randbytes(nbytes - 1)).decode()  # like the API's, "E..."

    def emit(self, name: str, data: dict[str, Any] | None = None, dt: float = 0.0) -> None:
        self.t += max(dt, 0.0)
        if self.t >= self.next_ping:  # the API sends a keep-alive now and then
            self._append("ping", {})
            self.next_ping = self.t + self.rng.uniform(5, 10)
        self._append(name, data or {})

    def _append(self, name: str, data: dict[str, Any]) -> None:
        self.events.append(Recorded(encode_event(name, {"type": name, **data}), round(self.t, 3)))

    def gap(self, lo: float = 0.0005, hi: float = 0.004) -> float:
        return self.rng.uniform(lo, hi)

    def chunks(self, text: str, words: bool = True) -> list[str]:
        """Split ``text`` the way deltas arrive: 1-3 tokens (~4 chars each) per piece."""
        out: list[str] = []
        for seg in text.split(CUT):
            i = 0
            while i < len(seg):
                j = min(len(seg), i + 4 * self.rng.randint(1, 3) + self.rng.randint(-1, 2))
                if words:  # tokens usually end just before a space
                    k = j
                    while k < len(seg) and k - j < 6 and not seg[k].isspace():
                        k += 1
                    if k < len(seg) and seg[k].isspace() and k > i:
                        j = k
                out.append(seg[i:j])
                i = j
        return out

    # -- message level ---------------------------------------------------------------------
    def message_start(self) -> None:
        self.t = self.rng.uniform(0.3, 0.8)
        self.first_token_at = self.rng.uniform(max(self.t + 0.06, 0.4), 1.0)
        usage = {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": self.rng.randint(1, 5),
            "service_tier": "standard",
        }
        message: dict[str, Any] = {
            "id": self.ident("msg_01"),
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        self.emit("message_start", {"message": message})
        self.emit("ping", dt=self.gap())
        self.next_ping = self.t + self.rng.uniform(5, 10)

    def finish(self, stop_reason: str, output_tokens: int | None = None, **usage: Any) -> None:
        tokens = output_tokens if output_tokens is not None else self.out
        self.emit(
            "message_delta",
            {
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {**usage, "output_tokens": tokens},
            },
            dt=self.gap(0.01, 0.08),
        )
        self.next_ping = float("inf")
        self.emit("message_stop", dt=self.gap())

    def error(self, message: str = "Overloaded", kind: str = "overloaded_error") -> None:
        self.emit(
            "error",
            {"error": {"type": kind, "message": message}, "request_id": self.ident("req_011", 21)},
            dt=self.rng.uniform(0.3, 1.5),
        )

    # -- block level -----------------------------------------------------------------------
    def start(self, block: dict[str, Any], dt: float | None = None) -> int:
        self.emit(
            "content_block_start",
            {"index": self.index, "content_block": block},
            dt=self.gap() if dt is None else dt,
        )
        self.index += 1
        return self.index - 1

    def stop(self) -> None:
        self.emit("content_block_stop", {"index": self.index - 1}, dt=self.gap(0.001, 0.05))

    def delta(self, delta: dict[str, Any], tokens: int = 1, dt: float | None = None) -> None:
        if self.first_token_at is not None:  # the response's first delta: time to first token
            dt, self.first_token_at = max(dt or 0.0, self.first_token_at - self.t), None
        elif dt is None:
            dt = max(tokens, 0.5) / self.tps * self.rng.lognormvariate(0, 0.4)
            if self.rng.random() < 0.01:  # an occasional hiccup
                dt += self.rng.uniform(0.15, 0.6)
        self.emit("content_block_delta", {"index": self.index - 1, "delta": delta}, dt=dt)
        self.out += tokens

    def deltas(self, kind: str, field: str, text: str, words: bool = True) -> None:
        for piece in self.chunks(text, words):
            self.delta({"type": kind, field: piece}, tokens=max(1, round(len(piece) / 4)))

    def text(self, text: str, citations: list[dict[str, Any]] | None = None, dt: float | None = None) -> None:
        self.start({"type": "text", "text": ""}, dt=dt)
        for citation in citations or []:
            self.delta({"type": "citations_delta", "citation": citation}, tokens=0)
        self.deltas("text_delta", "text", text)
        self.stop()

    def thinking(self, text: str, hidden_tokens: int = 0) -> None:
        """A thinking block; ``text=""`` is display "omitted": no thinking_delta, only the signature."""
        self.start({"type": "thinking", "thinking": "", "signature": ""})
        self.deltas("thinking_delta", "thinking", text)
        self.out += hidden_tokens
        pause = hidden_tokens / self.tps + self.rng.uniform(0.05, 0.3)
        self.delta(
            {"type": "signature_delta", "signature": self.blob(self.rng.randint(230, 370))}, 0, dt=pause
        )
        self.stop()

    def redacted_thinking(self, hidden_tokens: int) -> None:
        self.out += hidden_tokens
        self.start(
            {"type": "redacted_thinking", "data": self.blob(self.rng.randint(600, 900))},
            dt=hidden_tokens / self.tps if self.first_token_at is None else self.first_token_at - self.t,
        )
        self.first_token_at = None
        self.stop()

    def tool_use(self, name: str, json_text: str, server: bool = False) -> str:
        kind, prefix = ("server_tool_use", "srvtoolu_01") if server else ("tool_use", "toolu_01")
        tool_id = self.ident(prefix)
        self.out += 8  # the call's own framing tokens
        self.start({"type": kind, "id": tool_id, "name": name, "input": {}}, dt=self.rng.uniform(0.15, 0.5))
        if not json_text or self.rng.random() < 0.7:
            self.delta({"type": "input_json_delta", "partial_json": ""}, 0, dt=self.gap(0.001, 0.01))
        self.deltas("input_json_delta", "partial_json", json_text, words=False)
        self.stop()
        return tool_id

    def whole(self, block: dict[str, Any], dt: float | None = None) -> None:
        """A block that arrives complete in content_block_start (results, unknown types)."""
        self.start(block, dt=dt)
        self.stop()

    def save(
        self, out: Path, name: str, description: str, req: dict[str, Any], trailing: Recorded | None = None
    ) -> None:
        data = dumps(self.events, trailing=trailing, description=description, request=req)
        (out / f"{name}.sse").write_bytes(data)


# -- the fixtures --------------------------------------------------------------------------------


def plain_text(out: Path) -> None:
    s = Stream("plain_text", input_tokens=21)
    s.message_start()
    s.text(
        "Server-Sent Events (SSE) is a simple HTTP format for pushing a stream of text events from a "
        "server to a client over one long-lived response. Each event is a few `field: value` lines "
        "followed by a blank line. The Claude API uses it to send an answer piece by piece as it is "
        "generated, so you can show the first words almost immediately."
    )
    s.finish("end_turn")
    s.save(
        out,
        "plain_text",
        "A short plain-text answer (one text block, end_turn)",
        request("What are Server-Sent Events, in a few sentences?"),
    )


def long_markdown(out: Path) -> None:
    s = Stream("long_markdown", model=OPUS, input_tokens=38, tps=72)
    s.message_start()
    s.text(LONG_MARKDOWN.strip())
    s.finish("end_turn")
    s.save(
        out,
        "long_markdown",
        f"A long markdown answer about SSE (~{s.out:,} output tokens, ~{s.t:.0f} s at 1x)",
        request(
            "Write a thorough workshop handout on how the Claude Messages API streams responses over "
            "Server-Sent Events, with examples and common pitfalls.",
            model=OPUS,
            max_tokens=8192,
        ),
    )


def thinking_tool_use(out: Path) -> None:
    s = Stream("thinking_tool_use", input_tokens=612)
    s.message_start()
    s.thinking(
        "The user wants the current weather in Paris. I don't know live conditions, but the get_weather "
        "tool does. It needs a city; the unit is optional, and Celsius is what people in Paris use, so "
        "that's the sensible default. I'll call get_weather with city Paris and unit "
        "celsius, then summarize the result."
    )
    s.text("Let me check the current weather in Paris for you.")
    s.tool_use("get_weather", jtext({"city": "Paris", "unit": "celsius"}))
    s.finish("tool_use")
    s.save(
        out,
        "thinking_tool_use",
        "Extended thinking, a sentence of text, then a get_weather tool call (tool_use)",
        request(
            "What's the weather like in Paris right now?", max_tokens=4096, thinking=THINKING, tools=[WEATHER]
        ),
    )


def thinking_text(out: Path) -> None:
    s = Stream("thinking_text", model=OPUS, input_tokens=47)
    s.message_start()
    s.thinking(
        "Is 1001 prime? It's odd, and its digit sum is 2, so not divisible by 3. Try 7: 7 × 143 = 1001. "
        "So it's composite. And 143 = 11 × 13. So 1001 = 7 × 11 × 13. A nice way to explain it: "
        "1001 = 1000 + 1 = 10³ + 1, which factors as (10 + 1)(10² − 10 + 1) = 11 × 91, and 91 = 7 × 13."
    )
    s.text(
        "No, 1,001 is not prime. It factors as **7 × 11 × 13**.\n\nA quick way to see it: 1,001 = 10³ + 1, and "
        "a sum of cubes factors as (10 + 1)(10² − 10 + 1) = 11 × 91, with 91 = 7 × 13. That's also why "
        "multiplying any three-digit number by 1,001 writes it twice: 123 × 1,001 = 123,123."
    )
    s.finish("end_turn")
    s.save(
        out,
        "thinking_text",
        "Extended thinking (thinking_delta + signature_delta), then a text answer",
        request("Is 1,001 a prime number?", model=OPUS, max_tokens=4096, thinking=THINKING),
    )


def redacted_thinking(out: Path) -> None:
    s = Stream("redacted_thinking", model=OPUS, input_tokens=64)
    s.message_start()
    s.redacted_thinking(hidden_tokens=180)
    s.thinking("", hidden_tokens=240)
    s.text(
        "Here's a summary: the request streams over SSE, each event carries one small piece of the answer, "
        "and the final `message_delta` reports the stop reason and total usage."
    )
    s.finish("end_turn")
    s.save(
        out,
        "redacted_thinking",
        "A redacted_thinking block (opaque data, no deltas), a thinking block with "
        "display omitted (signature only, no text), then the answer",
        request(
            "Summarize how a streamed response is delivered.",
            model=OPUS,
            max_tokens=4096,
            thinking={**THINKING, "display": "omitted"},
        ),
    )


def tool_use(out: Path) -> None:
    s = Stream("tool_use", input_tokens=689)
    s.message_start()
    s.text("I'll get the three-day forecast for Shanghai, with hourly detail.")
    args = {
        "city": "Shanghai",
        "unit": "celsius",
        "days": 3,
        "lat": 31.23,
        "lon": 121.47,
        "include": {"hourly": True, "alerts": False},
    }
    s.tool_use(
        "get_weather", jtext(args).replace("31.23", "31" + CUT + ".23").replace("121.47", "12" + CUT + "1.47")
    )
    s.finish("tool_use")
    s.save(
        out,
        "tool_use",
        "Text, then one get_weather call whose nested JSON input streams in pieces "
        "(numbers cut across deltas)",
        request(
            "What's the weather going to be in Shanghai over the next three days? Hourly, please.",
            tools=[WEATHER],
        ),
    )


def parallel_tools(out: Path) -> None:
    s = Stream("parallel_tools", input_tokens=873)
    s.message_start()
    s.text("I'll check the weather in both cities and the time in Paris. First Shanghai:")
    s.tool_use("get_weather", jtext({"city": "Shanghai", "unit": "celsius"}))
    s.text("And now Paris:")
    s.tool_use("get_weather", jtext({"city": "Paris", "unit": "celsius"}))
    s.tool_use("get_time", jtext({"timezone": "Europe/Paris"}))
    s.tool_use("list_cities", "")
    s.finish("tool_use")
    s.save(
        out,
        "parallel_tools",
        'Several tool calls in one turn (text between them; list_cities has an empty input streamed as "")',
        request(
            "Compare the weather in Shanghai and Paris, tell me the time in Paris, and which cities "
            "you support.",
            tools=[WEATHER, TIME, LIST_CITIES],
        ),
    )


SOURCES = [
    (
        "https://html.spec.whatwg.org/multipage/server-sent-events.html",
        "HTML Standard: 9.2 Server-sent events",
        "May 12, 2025",
    ),
    (
        "https://developer.mozilla.org/en-US/docs/Web/API/Server-sent_events/Using_server-sent_events",
        "Using server-sent events - Web APIs | MDN",
        "March 3, 2025",
    ),
    (
        "https://developer.mozilla.org/en-US/docs/Web/API/EventSource",
        "EventSource - Web APIs | MDN",
        "January 28, 2025",
    ),
]
QUOTES = [
    (
        1,
        "The event stream is a simple stream of text data which must be encoded using UTF-8. Messages in the "
        "event stream are separated by a pair of newline characters. A colon as the first character of a line "
        "is in essence a comment, and is ignored.",
        "the stream is UTF-8 text, events are separated by a blank line, and a line starting with a colon is a "
        "comment that clients ignore",
    ),
    (
        0,
        "a single U+000A LINE FEED (LF) character not preceded by a U+000D CARRIAGE RETURN (CR) character, and "
        "a single U+000D CARRIAGE RETURN (CR) character not followed by a U+000A LINE FEED (LF) character being "
        "the ways in which a line can end.",
        "a line may end in CRLF, a lone LF or a lone CR, and a parser has to accept all three",
    ),
    (
        2,
        "Unlike WebSockets, server-sent events are unidirectional; that is, data messages are delivered in one "
        "direction, from the server to the client (such as a user's web browser).",
        "the channel is one-way, from server to client, unlike WebSockets",
    ),
]


def web_search(out: Path) -> None:
    s = Stream("web_search", input_tokens=2134)
    s.message_start()
    s.text("Let me search for the current specification.")
    query = "Server-Sent Events event stream format specification"
    tool_id = s.tool_use("web_search", jtext({"query": query}), server=True)
    results = [
        {
            "type": "web_search_result",
            "url": url,
            "title": title,
            "encrypted_content": s.blob(s.rng.randint(420, 600)),
            "page_age": age,
        }
        for url, title, age in SOURCES
    ]
    s.whole(
        {"type": "web_search_tool_result", "tool_use_id": tool_id, "content": results},
        dt=s.rng.uniform(1.2, 2.5),
    )
    parts = [
        "Here's how the format works:\n\n- **Framing:** ",
        ".\n- **Line endings:** ",
        ".\n- **Direction:** ",
        ", which is why the Messages API sends the request as an ordinary POST and streams only the response.",
    ]
    s.text(parts[0], dt=s.rng.uniform(0.3, 0.8))
    for (source, cited, text), after in zip(QUOTES, parts[1:], strict=True):
        url, title, _ = SOURCES[source]
        s.text(
            text,
            citations=[
                {
                    "type": "web_search_result_location",
                    "cited_text": cited,
                    "url": url,
                    "title": title,
                    "encrypted_index": s.blob(s.rng.randint(90, 140)),
                }
            ],
        )
        s.text(after)
    s.finish(
        "end_turn",
        input_tokens=s.input_tokens + 6817,
        cache_creation_input_tokens=0,
        cache_read_input_tokens=0,
        server_tool_use={"web_search_requests": 1},
    )
    s.save(
        out,
        "web_search",
        "Server-side web search: server_tool_use, a web_search_tool_result block, then "
        "text blocks with citations_delta",
        request(
            "How does the Server-Sent Events wire format work? Please cite the spec.",
            tools=[{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}],
        ),
    )


def max_tokens_in_tool(out: Path) -> None:
    s = Stream("max_tokens_in_tool", input_tokens=702)
    s.message_start()
    s.text("I'll save these notes to notes.md.")
    notes = (
        "# Meeting notes\n\n## Attendees\n- Ana, Bo, Chen\n\n## Decisions\n- Ship the streaming viewer on "
        "Friday\n- Keep every fixture under 200 KB\n- Replay at 1x by default, with a speed control\n\n"
        "## Action items\n- Ana: write the replay tests\n- Bo: review the partial JSON parser\n"
        "- Discussed the"
    )
    s.tool_use("write_file", jtext({"path": "notes.md", "content": notes})[:-2])  # cut mid-string
    s.finish("max_tokens", output_tokens=120)
    s.save(
        out,
        "max_tokens_in_tool",
        "A write_file tool call cut off mid-string by max_tokens (its JSON never completes)",
        request(
            "Save the notes from today's meeting to notes.md: attendees Ana, Bo and Chen; we decided to "
            "ship the viewer Friday, keep fixtures under 200 KB and replay at 1x; Ana writes replay tests, "
            "Bo reviews the parser, and we discussed the release plan.",
            max_tokens=120,
            tools=[WRITE_FILE],
        ),
    )


def error_overloaded(out: Path) -> None:
    s = Stream("error_overloaded", input_tokens=19)
    s.message_start()
    s.start({"type": "text", "text": ""})
    s.deltas(
        "text_delta",
        "text",
        "Backpressure is what happens when a consumer can't keep up with a producer. "
        "In a streaming system the slow side has to push back somehow: by buffering, by dropping data, or by "
        "telling the producer to slow down. TCP does the last one for you through its receive window, so ",
    )
    s.error()
    s.save(
        out,
        "error_overloaded",
        "A text answer interrupted by an error event (overloaded_error) after HTTP 200; no message_stop",
        request("Explain backpressure in streaming systems."),
    )


def connection_cut(out: Path) -> None:
    s = Stream("connection_cut", input_tokens=23)
    s.message_start()
    s.start({"type": "text", "text": ""})
    s.deltas(
        "text_delta",
        "text",
        "A stream can end without an error event: a proxy times out, a laptop sleeps, "
        "a mobile network switches towers. The client just sees the connection close. If the last event "
        "wasn't message_stop, the answer is incomplete, however finished",
    )
    cut = (
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de'
    )
    s.save(
        out,
        "connection_cut",
        "A text answer whose connection drops mid-event: no message_stop, last event "
        "cut in the middle of its bytes",
        request("What happens when a streaming connection drops?"),
        trailing=Recorded(cut, round(s.t + s.rng.uniform(0.02, 0.1), 3)),
    )


def refusal(out: Path) -> None:
    s = Stream("refusal", input_tokens=31)
    s.message_start()
    s.text("I can't help with that request.")
    s.finish("refusal")
    s.save(
        out,
        "refusal",
        "A short text, then stop_reason refusal",
        request("(prompt omitted: a request the safety classifiers stop)"),
    )


FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
PRIDE = "\U0001f3f3\ufe0f\u200d\U0001f308"
THUMBS = "\U0001f44d\U0001f3fd"
UNICODE = (
    f"Unicode survives streaming only if you join the pieces before you render them.\n\n"
    f"- Family: {FAMILY[:3]}{CUT}{FAMILY[3:]} is one grapheme made of seven code points.\n"
    f"- Pride flag: {PRIDE[:2]}{CUT}{PRIDE[2:]} and thumbs up with a skin tone: {THUMBS[0]}{CUT}{THUMBS[1]}\n"
    "- 中文：流式传输让回答逐字出" + CUT + "现。\n"
    "- 日本語：ストリーミングでは文字が少しずつ届きます。\n"
    "- 한국어: 스트리밍은 글자 단위로 도착" + CUT + "합니다.\n"
    "- العربية: البث المباشر يرسل النص تدريجيًا.\n"
    "- עברית: הזרמה שולחת את הטקסט בהדרגה.\n"
    "- Combining marks: cafe" + CUT + "\u0301 (e + U+0301), Z\u0324\u0354" + CUT + "\u0367\u0311\u0313 "
    "a\u0335l\u0337g\u0338o\u0336\n"
    "- Math: ∀x ∈ ℝ, ∑ᵢ₌₁ⁿ i = n(n+1)/2, √2 ≈ 1.41421, ∮ E·dA = Q/ε₀, 𝔽₂, 𝒪(n log n) ≠ 𝒪(n²)."
)


def unicode(out: Path) -> None:
    s = Stream("unicode", input_tokens=26)
    s.message_start()
    s.text(UNICODE)
    s.finish("end_turn")
    s.save(
        out,
        "unicode",
        "Emoji ZWJ sequences, CJK, right-to-left, combining marks and math, with grapheme "
        "clusters split across deltas",
        request("Show me some tricky Unicode."),
    )


def xss(out: Path) -> None:
    s = Stream("xss", input_tokens=731)
    s.message_start()
    s.thinking(
        "The page contains HTML: <script>document.title='pwned-thinking'</script>. I should quote it "
        "as text and render it with the render_html tool."
    )
    s.text(
        "Here is the page content, quoted verbatim:\n\n<script>alert('xss')</script>\n\n"
        "<img src=x onerror=\"document.title='pwned'\">\n\nSee [click](javascript:alert(1)) for details."
        '</div></details>\n\n<iframe src="javascript:alert(2)"></iframe>\n\nNone of this should run.'
    )
    s.tool_use("render_html", jtext({"html": "<img src=x onerror=alert(3)>"}))
    s.error("<b onmouseover=alert(4)>overloaded</b>")
    s.save(
        out,
        "xss",
        "Untrusted content (script/img/iframe tags, javascript: links, stray closing tags) in text, "
        "thinking, tool input and an error message: must render inert",
        request(
            "Summarize this page: <script>alert('xss')</script>",
            max_tokens=4096,
            thinking=THINKING,
            tools=[RENDER_HTML],
        ),
    )


def unknown_events(out: Path) -> None:
    s = Stream("unknown_events", input_tokens=22)
    s.message_start()
    s.start({"type": "text", "text": ""})
    s.deltas("text_delta", "text", "Clients should keep events they don't understand, ")
    s.delta({"type": "emphasis_delta", "level": 2}, 0)
    s.deltas("text_delta", "text", "show them, and carry on.")
    s.stop()
    s.emit(
        "content_block_annotation",
        {"index": 0, "annotation": {"kind": "source", "confidence": 0.92}},
        dt=s.gap(0.01, 0.05),
    )
    s.whole({"type": "hologram", "frames": [1, 2, 3]}, dt=s.gap(0.05, 0.2))
    s.text("New event and block types can appear at any time.")
    s.finish("end_turn")
    s.save(
        out,
        "unknown_events",
        "A plain answer with an unknown event, an unknown delta type and an unknown "
        "block type (forward compatibility)",
        request("How should clients treat unknown events?"),
    )


# -- agent conversations: one fixture per turn, served in order by the bundled scenarios ----------


class Conversation:
    """A scripted agent conversation, one fixture per turn (``NAME_1``, ``NAME_2``...).

    Each turn's request header holds the conversation exactly as ``run_agent`` sends it: the
    assistant turns as streamed, and the results of the example tools
    (:mod:`claude_stream_nb.agent.examples`), so the last turn reads right when they run.
    """

    def __init__(self, out: Path, name: str, prompt: str, tools: list[Any], turns: int, **extra: Any):
        self.out, self.name, self.turns, self.extra = out, name, turns, extra
        self.messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
        self.tools = {fn.__name__: fn for fn in tools}
        self.definitions = [Tool.from_function(fn).definition() for fn in tools]
        self.turn = 0

    def stream(self, tps: float | None = None) -> Stream:
        self.turn += 1
        input_tokens = 640 + 90 * len(self.messages) + 25 * self.turn
        return Stream(f"{self.name}_{self.turn}", input_tokens=input_tokens, tps=tps)

    def save(self, s: Stream, what: str) -> None:
        req = {
            "model": SONNET,
            "max_tokens": self.extra.get("max_tokens", 1024),
            **{k: v for k, v in self.extra.items() if k != "max_tokens"},
            "tools": self.definitions,
            "messages": json.loads(json.dumps(self.messages)),
        }
        description = f"Agent scenario {self.name}, turn {self.turn} of {self.turns}: {what}"
        s.save(self.out, f"{self.name}_{self.turn}", description, req)
        fold = StreamFold()
        for event in s.events:
            fold.feed(event.raw)
        content = fold.close().to_message()["content"]
        self.messages.append({"role": "assistant", "content": content})
        results = [self._run(block) for block in content if block["type"] == "tool_use"]
        if results:
            self.messages.append({"role": "user", "content": results})

    def _run(self, block: dict[str, Any]) -> dict[str, Any]:
        result = {"type": "tool_result", "tool_use_id": block["id"]}
        try:
            return {**result, "content": result_text(self.tools[block["name"]](**block["input"]))}
        except Exception as exc:
            return {**result, "content": f"{type(exc).__name__}: {exc}", "is_error": True}


def agent_weather(out: Path) -> None:
    c = Conversation(out, "agent_weather", "What's the weather in Paris right now?", [get_weather], 2)
    s = c.stream()
    s.message_start()
    s.text("I'll check the current weather in Paris.")
    s.tool_use("get_weather", jtext({"city": "Paris", "unit": "celsius"}))
    s.finish("tool_use")
    c.save(s, "text, then a get_weather call (tool_use)")
    s = c.stream()
    s.message_start()
    s.text(
        "It's **18 °C** and partly cloudy in Paris right now, with 64% humidity and a light wind of "
        "12 km/h. A light jacket should be enough if you're heading out."
    )
    s.finish("end_turn")
    c.save(s, "the answer, from the get_weather result (end_turn)")


def agent_parallel(out: Path) -> None:
    c = Conversation(out, "agent_parallel", "Weather in Shanghai and Paris?", [get_weather], 2)
    s = c.stream()
    s.message_start()
    s.text("I'll look up both cities at once.")
    s.tool_use("get_weather", jtext({"city": "Shanghai"}))
    s.tool_use("get_weather", jtext({"city": "Paris"}))
    s.finish("tool_use")
    c.save(s, "two get_weather calls in parallel (tool_use)")
    s = c.stream()
    s.message_start()
    s.text(
        "Here's the weather right now:\n\n"
        "| City | Temperature | Conditions |\n|---|---|---|\n"
        "| Shanghai | 24 °C | light rain, 88% humidity |\n"
        "| Paris | 18 °C | partly cloudy, 64% humidity |\n\n"
        "Shanghai is 6 °C warmer but wet, so take an umbrella there. Paris is cooler and dry."
    )
    s.finish("end_turn")
    c.save(s, "the answer, comparing both results (end_turn)")


def agent_tool_error(out: Path) -> None:
    c = Conversation(out, "agent_tool_error", "What's the weather in Atlantis?", [get_weather], 2)
    s = c.stream()
    s.message_start()
    s.text("Let me check the weather in Atlantis.")
    s.tool_use("get_weather", jtext({"city": "Atlantis"}))
    s.finish("tool_use")
    c.save(s, "a get_weather call the tool answers with an error (tool_use)")
    s = c.stream()
    s.message_start()
    s.text(
        "I couldn't get the weather for Atlantis: the weather service has no data for it. It only "
        "covers Cairo, Paris and Shanghai. If you had a real city in mind, tell me which one and "
        "I'll check it."
    )
    s.finish("end_turn")
    c.save(s, "the answer, acknowledging the tool's error (end_turn)")


def agent_three_turns(out: Path) -> None:
    c = Conversation(
        out,
        "agent_three_turns",
        "Which of the cities you cover is the warmest right now?",
        [list_cities, get_weather],
        3,
        max_tokens=4096,
        thinking=THINKING,
    )
    s = c.stream()
    s.message_start()
    s.thinking(
        "The user wants the warmest of the cities the weather service covers. I don't know which "
        "cities those are, so first I'll call list_cities, then get the weather for each one and "
        "compare the temperatures."
    )
    s.text("First, let me see which cities the weather service covers.")
    s.tool_use("list_cities", "")
    s.finish("tool_use")
    c.save(s, "thinking, then a list_cities call with an empty input (tool_use)")
    s = c.stream(tps=42)  # unhurried, so each call below has a second of streaming after it
    s.message_start()
    s.text("The service covers three cities. I'll check each one, starting with Cairo.")
    s.tool_use("get_weather", jtext({"city": "Cairo"}))
    s.text("Next, Paris, which is usually mild at this time of year.")
    s.tool_use("get_weather", jtext({"city": "Paris"}))
    s.text("And finally Shanghai.")
    s.tool_use("get_weather", jtext({"city": "Shanghai"}))
    s.text(
        "That's all three. Once the readings are back, I'll compare the temperatures and tell you "
        "which city is the warmest right now."
    )
    s.finish("tool_use")
    c.save(s, "three get_weather calls spread over the answer, text between them (tool_use)")
    s = c.stream()
    s.message_start()
    s.text(
        "**Cairo** is the warmest right now, at 31 °C and sunny. Shanghai comes second at 24 °C with "
        "light rain, and Paris is the coolest at 18 °C and partly cloudy."
    )
    s.finish("end_turn")
    c.save(s, "the answer, from all three readings (end_turn)")


FIXTURES = [
    plain_text,
    long_markdown,
    thinking_tool_use,
    thinking_text,
    redacted_thinking,
    tool_use,
    parallel_tools,
    web_search,
    max_tokens_in_tool,
    error_overloaded,
    connection_cut,
    refusal,
    unicode,
    xss,
    unknown_events,
    agent_weather,
    agent_parallel,
    agent_tool_error,
    agent_three_turns,
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "claude_stream_nb" / "fixtures", help="output folder"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for build in FIXTURES:
        before = set(args.out.glob("*.sse"))
        build(args.out)
        for path in sorted(set(args.out.glob("*.sse")) - before) or [args.out / f"{build.__name__}.sse"]:
            print(f"wrote {path}")


LONG_MARKDOWN = r"""
# Streaming Claude responses with Server-Sent Events

When you call the Messages API with `"stream": true`, the answer doesn't come back as one JSON document. It arrives as a *sequence of small events* over a single HTTP response, in a format browsers have understood for well over a decade: **Server-Sent Events** (SSE). This handout walks through what is on the wire, how to parse it, and the mistakes almost everyone makes the first time.

## 1. Why stream at all?

A long answer can take tens of seconds to generate. Without streaming, your user stares at a spinner until the very last token exists. With streaming:

- the first words show up in well under a second (*time to first token*),
- the user can cancel an answer that is heading the wrong way,
- a long request keeps bytes flowing, so idle timeouts in proxies and load balancers are less likely to kill it,
- tool calls can be shown while the model is still writing their arguments.

The total time is about the same. What changes is how soon the user sees *something*, and that is what makes an interface feel fast.

## 2. What is on the wire

An SSE stream is plain UTF-8 text. Each event is a handful of `field: value` lines followed by a blank line:

```text
event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

```

The rules fit on an index card:

1. Lines end in LF, CR or CRLF, and one stream may mix all three.
2. A blank line *dispatches* the event collected so far.
3. A line starting with `:` is a comment. Servers use comments as keep-alives.
4. `event:` names the event and `data:` carries the payload; several `data:` lines are joined with `\n`.
5. Exactly one space after the colon is removed, and no more.
6. An event that is still unterminated when the stream ends is **not** dispatched.

> Event streams are always decoded as UTF-8. There is no way to specify another character encoding.
>
> — WHATWG HTML Standard, *Server-sent events*

The Messages API adds one convention on top: every `data:` line is a single JSON object whose `type` field repeats the event name. That makes each event self-describing, even if you log only the JSON.

## 3. The event sequence

Every successful stream has the same shape. A `message_start` opens it, then each content block is framed by a start and a stop, with deltas in between, and the message is closed by `message_delta` and `message_stop`. Blocks are numbered by `index`, starting at 0, in order.

| Event | What it carries | What you do with it |
|---|---|---|
| `message_start` | The message shell: `id`, `model`, empty `content`, initial `usage` | Create your snapshot |
| `content_block_start` | An `index` and an empty block (`text`, `thinking`, `tool_use`, ...) | Append a block |
| `content_block_delta` | A small piece: `text_delta`, `input_json_delta`, `thinking_delta`, ... | Fold it into block `index` |
| `content_block_stop` | The `index` | Finish the block; parse tool JSON now |
| `message_delta` | `stop_reason` and **cumulative** `usage` | Overwrite, never add |
| `message_stop` | Nothing | The answer is complete |
| `ping` | Nothing | Ignore it, but don't crash on it |
| `error` | `error.type` and `error.message` | Stop, keep the partial answer, report |

~~Every event is a `content_block_delta`, so you can just grab `delta.text`.~~ That shortcut breaks the moment you enable tools or extended thinking: tool arguments arrive in `input_json_delta.partial_json`, and reasoning arrives in `thinking_delta.thinking`. Route every delta by its `type`, and keep (and show) anything you don't recognize: the API documentation explicitly reserves the right to add new event types.

## 4. Watching it raw with curl

The fastest way to build intuition is to look at the bytes. The `-N` flag turns off curl's output buffering, so events print as they arrive:

```bash
curl -N https://api.anthropic.com/v1/messages \
  -H "content-type: application/json" \
  -H "anthropic-version: 2023-06-01" \
  -H "x-api-key: $ANTHROPIC_API_KEY" \
  -d '{
    "model": "claude-sonnet-4-6",
    "max_tokens": 256,
    "stream": true,
    "messages": [{"role": "user", "content": "Say hello in three languages."}]
  }' | tee capture.sse
```

You'll see `event:` and `data:` lines scroll past, a `ping` or two, and finally `message_stop`. The `tee` keeps a copy in `capture.sse`, which you can replay later without spending a single token. Try it once with a slow connection and watch how the pieces clump together: the network decides the chunk boundaries, not the server.

## 5. A minimal parser in Python

You don't need a library to parse SSE, but you do need to respect the rules above. This version reads raw bytes, splits lines **before** decoding UTF-8 (a multi-byte character can straddle two network chunks), and yields `(event, data)` pairs:

```python
import json

import httpx


def sse_events(byte_chunks):
    # Yield (event_name, data_text) pairs from an iterable of raw byte chunks.
    buffer = b""
    event, data = "message", []
    for chunk in byte_chunks:
        buffer += chunk
        lines = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        buffer = lines.pop()  # the last piece may be an incomplete line
        for raw in lines:
            line = raw.decode("utf-8")
            if not line:  # a blank line dispatches the event
                if data:
                    yield event, "\n".join(data)
                event, data = "message", []
            elif line.startswith(":"):
                continue  # a comment or keep-alive
            else:
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)


def stream_text(client: httpx.Client, body: dict) -> str:
    pieces = []
    with client.stream("POST", "/v1/messages", json={**body, "stream": True}) as response:
        response.raise_for_status()
        for name, payload in sse_events(response.iter_bytes()):
            event = json.loads(payload)
            if name == "content_block_delta" and event["delta"]["type"] == "text_delta":
                pieces.append(event["delta"]["text"])
                print(event["delta"]["text"], end="", flush=True)
            elif name == "error":
                raise RuntimeError(f"{event['error']['type']}: {event['error']['message']}")
    return "".join(pieces)
```

One subtle bug is left in on purpose, as an exercise: a `\r` at the very end of one chunk may be the first half of a `\r\n` whose `\n` arrives in the next chunk. As written, that pair counts as *two* line endings, and a spurious blank line dispatches an event too early. How would you fix it without waiting forever for a byte that may never come?

## 6. Tool calls stream as partial JSON

When Claude calls a tool, the arguments arrive as fragments of one JSON document:

```text
{"city": "Sha
nghai", "days": 1
2, "unit": "celsius"}
```

Each `partial_json` piece is **not** valid JSON on its own, so calling `json.loads` on a single delta fails. Concatenate the pieces into one string and parse it once, at `content_block_stop`. If you want to show the arguments *while* they stream, use a tolerant partial parser, and be careful: the fragment `{"days": 1` looks like a complete number, but the next delta turns it into `12`. A good display marks the value as still growing.

Also worth knowing:

- the first `input_json_delta` is often an empty string `""`;
- a tool with no arguments may stream nothing but that empty string, which you should read as `{}`;
- if the response hits `max_tokens` in the middle of a tool call, the JSON is simply cut off and will never parse, so check `stop_reason` before you run the tool;
- server tools such as `web_search` stream their input the same way, and their results arrive whole, in a single `content_block_start`.

## 7. Extended thinking

With thinking enabled, the first block is usually a `thinking` block. Its text arrives in `thinking_delta` events, and just before its `content_block_stop` comes exactly one `signature_delta`. *Keep that signature.* When you send the conversation back (for example with a tool result), the thinking block must be returned as it was, signature included, or the next request is rejected.

Two variations are easy to miss:

- **Redacted thinking.** A `redacted_thinking` block carries an opaque, encrypted `data` string, delivered whole in `content_block_start`. You can't display it, but you must pass it back unchanged.
- **Omitted thinking.** With the display set to omitted, a `thinking` block gets no text at all, only its signature. An empty thinking block is not a bug.

## 8. Usage is cumulative

`message_start` reports the input tokens and a tiny placeholder for the output tokens. `message_delta` reports the **totals** so far. So:

- **Right:** replace your usage numbers with the ones in the latest `message_delta`.
- **Wrong:** add `message_start.usage.output_tokens` to `message_delta.usage.output_tokens`. You'll double-count, and the error grows with every turn you log.

A field that is missing from `message_delta` keeps its value from `message_start`.

## 9. Errors in the middle of a stream

The HTTP status is fixed before the first byte of the body is sent, so a stream that has already returned `200 OK` can't change its mind. Instead, an `error` event arrives in the body:

```text
event: error
data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}
```

What to do:

1. Keep the text you already received; it is often useful on its own.
2. Show the error type to the user: `overloaded_error` is temporary, `invalid_request_error` is not.
3. Retry with exponential backoff and jitter, and consider *continuing* rather than restarting: resend the conversation with the partial answer as the last assistant turn.

The same advice applies when the connection simply drops. A stream that ends without `message_stop` is incomplete, no matter how finished the text looks.

## 10. Proxies, buffering and other ways to lose the stream

SSE only works if every hop forwards bytes as soon as they arrive. Reverse proxies love to buffer responses, which turns a smooth stream into one big burst at the end. Typical fixes:

- **nginx:** `proxy_buffering off;`, or send the `X-Accel-Buffering: no` response header from your app;
- **compression middleware:** don't gzip `text/event-stream`, or flush the compressor after every event;
- **your own server:** flush after each event, and never wrap the body in a buffered writer;
- **notebooks:** update one display handle in place instead of printing thousands of lines.

If the first token takes five seconds locally but half a second with `curl -N` against the API directly, something in between is buffering.

## Recap

1. Read raw bytes, split on any line ending, and decode UTF-8 after splitting.
2. Dispatch on blank lines; skip comments; keep unknown events.
3. Route deltas by their `type`, not by guessing.
4. Accumulate tool JSON as a string and parse it at `content_block_stop`.
5. Keep thinking signatures and redacted data exactly as received.
6. Treat `usage` in `message_delta` as a total.
7. Expect `error` events and dropped connections, and plan for retries.

Streaming is a small protocol with a handful of sharp edges. Once you have *seen* the events scroll by, the edges stop being surprising, which is the whole point of this workshop.
"""

if __name__ == "__main__":
    main()
