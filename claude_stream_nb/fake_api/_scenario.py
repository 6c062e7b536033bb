"""What a fake Messages API answers. Pure: a :class:`Request` in, a :class:`~._plan.Plan` out.

:meth:`FakeAPI.respond` is the whole fake API -- routing, fixture choice, faults, error bodies --
as a function of one request. The server (:mod:`claude_stream_nb.fake_api`) and
:class:`~claude_stream_nb.fake_api._transport.ReplayTransport` only carry bytes between it and the wire,
so they behave the same. Nothing is remembered between requests: concurrent clients never
interfere, and a multi-turn scenario reads its turn from the request itself.

Which fixture answers ``POST /v1/messages`` (the first rule that names one wins):

1. header ``x-fixture: NAME`` (or query ``?fixture=NAME``);
2. ``model`` equal to a fixture or scenario name;
3. ``fixture:NAME`` in the text of the last user message;
4. the default: ``default=`` (``--default``), else one named ``default`` in the folder, else the
   bundled ``workshop`` scenario.

NAME may name a scenario: its ``keywords`` are looked for (case-insensitive) in the last user
message's text, else the turn is the number of assistant messages in ``messages`` (none: the
first turn; a trailing assistant message, a prefill or a continuation, does not count; past the
last turn, the last one repeats).

Faults (syntax in :class:`~._plan.Faults`) come from header ``x-fault`` (or query ``?fault=``),
else the ``fault=`` option, else the scenario turn's ``fault``, else the fixture header's
``: fault:`` line; ``none`` turns them off. Speed per request: header ``x-speed`` or query
``?speed=`` (a factor, or ``0``/``instant``).
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core._snapshot import Snapshot
from ..core._stream import StreamFold
from ..sources._fixtures import Fixture, bundled_fixtures, load_fixture
from ._plan import Faults, Plan, error_plan, json_plan, message_plan, stream_plan
from ._prefill import continue_fixture
from ._validate import MAX_BODY, BadRequest, check_key, check_size, messages_body

__all__ = ["BUNDLED_SCENARIOS", "FakeAPI", "Request", "Scenario"]

_CREATED = "2025-01-01T00:00:00Z"  # the models list's created_at (any valid time will do)


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as the fake API sees it."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    """Lower-case names."""
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Scenario:
    """Fixtures by turn and by keyword: a ``scenarios/NAME.json`` file, or bundled."""

    name: str
    turns: tuple[tuple[str, str | None], ...]
    """``(fixture, fault)`` for turns 1, 2, ...; the last repeats."""
    keywords: tuple[tuple[str, str], ...] = ()
    """``(word, fixture)``: the first word found in the last user message picks the fixture."""
    description: str = ""

    @classmethod
    def from_json(cls, name: str, data: Any) -> Scenario:
        """``{"description": ..., "turns": ["tool_use", {"fixture": "plain_text", "fault": "stall=2"}],
        "keywords": {"weather": "tool_use"}}`` (keywords and description optional)."""
        turns, keywords = (data.get("turns"), data.get("keywords", {})) if isinstance(data, dict) else (None, None)
        if not isinstance(turns, list) or not turns or not isinstance(keywords, dict):
            raise ValueError(f"scenario {name}: expected a non-empty list 'turns' and an object 'keywords'")
        out = []
        for turn in turns:
            turn = {"fixture": turn} if isinstance(turn, str) else turn
            if not isinstance(turn, dict) or not isinstance(turn.get("fixture"), str):
                raise ValueError(f"scenario {name}: a turn is a fixture name or {{'fixture': ..., 'fault': ...}}")
            Faults.parse(turn.get("fault"))
            out.append((turn["fixture"], turn.get("fault")))
        pairs = tuple((str(word), str(fixture)) for word, fixture in keywords.items())
        return cls(name, tuple(out), pairs, str(data.get("description", "")))

    @property
    def fixtures(self) -> set[str]:
        """Every fixture name the scenario uses."""
        return {*(name for name, _ in self.turns), *(name for _, name in self.keywords)}

    def pick(self, messages: list[Any]) -> tuple[str, str | None]:
        """``(fixture, fault)`` for a request with these ``messages``."""
        text = _last_user_text(messages).lower()
        for word, fixture in self.keywords:
            if word.lower() in text:
                return fixture, None
        roles = [m.get("role") for m in messages if isinstance(m, dict)]
        # A trailing assistant message is a prefill or a continuation of this turn, not a past one.
        turn = roles.count("assistant") - (roles[-1:] == ["assistant"])
        return self.turns[min(turn, len(self.turns) - 1)]


BUNDLED_SCENARIOS: dict[str, Scenario] = {
    "workshop": Scenario(
        "workshop",
        turns=(("plain_text", None),),
        keywords=(("weather", "tool_use"), ("think", "thinking_text"), ("search", "web_search")),
        description="weather -> tool_use, think -> thinking_text, search -> web_search; else plain_text",
    ),
    "agent_loop": Scenario(
        "agent_loop",
        turns=(("tool_use", None), ("plain_text", None)),
        description="Two turns: a get_weather tool call, then (after the tool result) a text answer",
    ),
    # Scripted for the example tools in claude_stream_nb.agent.examples (run_agent's demos).
    **{
        name: Scenario(name, tuple((f"{name}_{n}", None) for n in range(1, turns + 1)), description=text)
        for name, turns, text in (
            ("agent_weather", 2, "run_agent: a get_weather call for Paris, then the answer"),
            ("agent_parallel", 2, "run_agent: get_weather for Shanghai and Paris in parallel, then the answer"),
            ("agent_tool_error", 2, "run_agent: get_weather for Atlantis fails, then the answer says so"),
            ("agent_three_turns", 3, "run_agent: thinking + list_cities, three get_weather calls, the answer"),
        )
    },
}


class FakeAPI:
    """Fixtures and scenarios by name, and the defaults a server or transport applies."""

    def __init__(
        self,
        fixtures: Mapping[str, Fixture],
        scenarios: Mapping[str, Scenario] = BUNDLED_SCENARIOS,
        *,
        default: str | None = None,
        fault: str | None = None,
        speed: float | None = 1.0,
        require_key: bool | str = False,
        max_body: int | None = MAX_BODY,
    ) -> None:
        """``require_key``: answer 401 to requests without a key (a string: only that key);
        ``max_body``: answer 413 past this many bytes (``None``: no limit)."""
        self.fixtures = dict(fixtures)
        self.scenarios = {k: v for k, v in scenarios.items() if k not in self.fixtures}
        self.default = default or ("default" if "default" in self.names else "workshop")
        self.fault = fault
        self.speed = speed
        self.require_key = require_key
        self.max_body = max_body
        Faults.parse(fault)
        self._final: dict[str, Snapshot] = {}
        used = {name for s in self.scenarios.values() for name in s.fixtures}
        missing = sorted(used - set(self.fixtures)) or ([] if self.default in self.names else [self.default])
        if missing:
            raise ValueError(f"no fixture or scenario named {', '.join(missing)}; have: {', '.join(self.names)}")

    @classmethod
    def load(cls, folder: str | Path | None = None, **options: Any) -> FakeAPI:
        """Bundled fixtures and scenarios, plus ``folder/*.sse`` and ``folder/scenarios/*.json``
        (a name in the folder replaces a bundled one). Reads files: the one place here that does."""
        fixtures = dict(_bundled())
        scenarios = dict(BUNDLED_SCENARIOS)
        if folder is not None:
            path = Path(folder)
            if not path.is_dir():
                raise FileNotFoundError(f"not a folder of fixtures: {path}")
            fixtures.update((p.stem, load_fixture(p)) for p in sorted(path.glob("*.sse")))
            for p in sorted(path.glob("scenarios/*.json")):
                scenarios[p.stem] = Scenario.from_json(p.stem, json.loads(p.read_text("utf-8")))
        return cls(fixtures, scenarios, **options)

    @property
    def names(self) -> list[str]:
        return sorted({*self.fixtures, *self.scenarios})

    def describe(self, name: str) -> str:
        return self.fixtures[name].description if name in self.fixtures else self.scenarios[name].description

    def final(self, name: str) -> Snapshot:
        """The fixture folded to its end (cached): what a client that reads it all ends with."""
        if name not in self._final:
            fold = StreamFold()
            for chunk in self.fixtures[name].chunks():
                fold.feed(chunk.raw, chunk.time)
            self._final[name] = fold.close()
        return self._final[name]

    def respond(self, request: Request, *, request_id: str | None = None) -> Plan:
        """The answer to ``request``: POST /v1/messages, GET /v1/models[/NAME]; else 404."""
        rid = request_id or f"req_offline{secrets.token_hex(10)}"
        path = request.path.rstrip("/")
        try:
            check_size(len(request.body), self.max_body)
            if path == "/v1/messages" and request.method == "POST":
                check_key(request.headers, self.require_key)
                return self._messages(request, rid)
            if path.startswith("/v1/models") and request.method == "GET":
                check_key(request.headers, self.require_key)
            if path == "/v1/models" and request.method == "GET":
                return json_plan(200, self._models(request.query), rid, label="models")
            if path.startswith("/v1/models/") and request.method == "GET":
                name = path.removeprefix("/v1/models/")
                if name not in self.names:
                    raise BadRequest(f"model: {name} (no fixture or scenario of that name)", 404)
                return json_plan(200, self._model(name), rid, label="models")
            raise BadRequest(
                f"{request.method} {request.path}: this fake answers POST /v1/messages and GET /v1/models",
                404,
            )
        except BadRequest as exc:
            return error_plan(exc.status, rid, str(exc), Faults(should_retry=False))

    def _messages(self, request: Request, rid: str) -> Plan:
        # A status fault answers before the body is read, as a rate limit or an overload would.
        early = self._request_faults(request)
        if early is not None and early.status is not None:
            return self._timed(request, error_plan(early.status, rid, faults=early), f"[{early}]", early)
        body = messages_body(request.body, request.headers)
        messages: list[Any] = body["messages"]
        name = self._choose(request, body, messages)
        turn_fault = None
        if name in self.scenarios:
            name, turn_fault = self.scenarios[name].pick(messages)
        fixture = self.fixtures[name]
        if messages and isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
            fixture = continue_fixture(fixture, messages[-1].get("content"))  # a prefill: serve the rest
        faults = self._request_faults(request)
        if faults is None:
            faults = self._faults(turn_fault if turn_fault is not None else fixture.meta.get("fault"), request)
        stream = body.get("stream") is True
        plan = stream_plan(fixture, faults, rid) if stream else message_plan(fixture, self.final(name), faults, rid)
        label = f"{name}{' stream' if stream else ''}{f' [{faults}]' if str(faults) else ''}"
        plan = self._timed(request, plan, label, faults)
        if not stream and plan.speed is not None and fixture.events:
            # Without streaming the whole answer comes at the end, as the API sends it: the wait
            # is the recording's length (the lesson of "streaming vs waiting").
            plan = replace(plan, delay=plan.delay + (fixture.events[-1].time or 0.0) / plan.speed)
        return plan

    def _request_faults(self, request: Request) -> Faults | None:
        """Faults the request or the server asks for (``None``: leave it to the scenario or fixture)."""
        sources = (request.headers.get("x-fault"), request.query.get("fault"), self.fault)
        text = next((f for f in sources if f is not None), None)
        return None if text is None else self._faults(text, request)

    def _faults(self, text: str | None, request: Request) -> Faults:
        try:
            faults = Faults.parse(text)
        except ValueError as exc:
            raise BadRequest(f"x-fault: {exc}") from None
        retries = request.headers.get("x-stainless-retry-count", "0")
        if faults.attempts is not None and retries.isdigit() and int(retries) >= faults.attempts:
            return Faults()
        return faults

    def _timed(self, request: Request, plan: Plan, label: str, faults: Faults) -> Plan:
        return replace(plan, speed=self._speed(request), delay=faults.first_byte_delay, label=label)

    def _choose(self, request: Request, body: dict[str, Any], messages: list[Any]) -> str:
        name = request.headers.get("x-fixture") or request.query.get("fixture")
        if name is None and body.get("model") in self.names:
            name = str(body["model"])
        if name is None and (found := re.search(r"\bfixture:([\w.-]+)", _last_user_text(messages))):
            name = found.group(1)
        name = name or self.default
        if name not in self.names:
            raise BadRequest(f"no fixture or scenario named {name!r}; have: {', '.join(self.names)}", 404)
        return name

    def _speed(self, request: Request) -> float | None:
        text = request.headers.get("x-speed") or request.query.get("speed")
        if text is None:
            return self.speed
        if text.strip().lower() in ("0", "instant"):
            return None
        try:
            speed = float(text)
        except ValueError:
            speed = -1.0
        if not 0 < speed < 1e6:
            raise BadRequest(f"x-speed: expected a positive factor or 'instant', got {text!r}")
        return speed

    def _models(self, query: Mapping[str, str]) -> dict[str, Any]:
        """The API's list shape; ``limit`` (default 20) and ``after_id`` page through it."""
        names = self.names
        if (after := query.get("after_id")) in names:
            names = names[names.index(after) + 1 :]
        limit = int(query["limit"]) if query.get("limit", "").isdigit() else 20
        page = [self._model(n) for n in names[: max(limit, 1)]]
        first, last = (page[0]["id"], page[-1]["id"]) if page else (None, None)
        return {"data": page, "has_more": len(names) > len(page), "first_id": first, "last_id": last}

    def _model(self, name: str) -> dict[str, Any]:
        display = self.describe(name) or name
        return {"type": "model", "id": name, "display_name": display, "created_at": _CREATED}


@functools.cache
def _bundled() -> dict[str, Fixture]:
    return {name: load_fixture(name) for name, _ in bundled_fixtures()}


def _last_user_text(messages: list[Any]) -> str:
    """Text of the last user message (string content or its text blocks; not tool results)."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            blocks = content if isinstance(content, list) else []
            return "\n".join(str(b.get("text")) for b in blocks if isinstance(b, dict) and b.get("type") == "text")
    return ""
