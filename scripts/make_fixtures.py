"""Rebuild the bundled stream fixtures, ``claude_stream_nb/fixtures/*.sse``, from their definitions.

Each fixture is a synthetic but protocol-exact recording of one streamed Messages API response
(see PROTOCOL.md): what it says lives in ``scripts/fixtures/NAME.toml`` (the request, the
blocks, how it ends, any pauses; the long handout in a ``.md`` beside it), and
:func:`claude_stream_nb.fake_api.emit_response` writes its timed events (the pacing model and
the definition format are in its module docstring). An agent scenario (a definition with
``turns``) is played by :func:`claude_stream_nb.run_agent` itself, with the example tools,
against a scripted model that answers its Nth request with turn N: each ``NAME_N.sse`` keeps
the request the loop sent, tool results and all. Every response has a generator seeded from its
name, so the output is the same bytes on every run.

Run from the repository root::

    python scripts/make_fixtures.py                   # rewrite claude_stream_nb/fixtures/*.sse
    python scripts/make_fixtures.py --out /tmp/x xss  # just these, somewhere else
    python scripts/make_fixtures.py --check           # regenerate into a temporary folder and compare
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI (in the test extra)
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        sys.exit("make_fixtures: on Python 3.10 the definitions are read with tomli: pip install tomli")

import httpx  # noqa: E402

from claude_stream_nb import Event, Fixture, FixtureWriter, Snapshot  # noqa: E402
from claude_stream_nb.agent import examples, run_agent  # noqa: E402
from claude_stream_nb.fake_api import emit_response  # noqa: E402
from claude_stream_nb.live import Claude  # noqa: E402

DEFINITIONS = Path(__file__).resolve().parent / "fixtures"
BUNDLED = ROOT / "claude_stream_nb" / "fixtures"
SEED = "claude-stream-nb fixtures v1"


class DefinitionError(Exception):
    """A definition that cannot be built: which file, and what is wrong."""


def definitions() -> list[str]:
    return sorted(p.stem for p in DEFINITIONS.glob("*.toml") if not p.name.startswith("_"))


def load(name: str) -> dict[str, Any]:
    path = DEFINITIONS / f"{name}.toml"
    try:
        definition: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DefinitionError(f"{path}: {exc}") from None
    return definition


def tool_definition(name: str) -> dict[str, Any]:
    """A tool from ``_tools.toml`` as a request declares it."""
    spec = load("_tools")[name]
    schema: dict[str, Any] = {"type": "object", "properties": spec["properties"]}
    if spec.get("required"):
        schema["required"] = spec["required"]
    return {"name": name, "description": spec["description"], "input_schema": schema}


def request(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The request a one-response fixture answers: model, max_tokens, the prompt, the rest."""
    params = dict(definition["request"])
    head = {"model": params.pop("model"), "max_tokens": params.pop("max_tokens")}
    if "tools" in params:
        params["tools"] = [tool_definition(t) if isinstance(t, str) else t for t in params["tools"]]
    return {**head, "messages": [{"role": "user", "content": definition["prompt"]}], **params}


def response(model: str, input_tokens: int, turn: Mapping[str, Any]) -> dict[str, Any]:
    """The emitter's response definition, with ``text_file`` blocks read from beside the data."""
    content = []
    for block in turn["content"]:
        if "text_file" in block:
            text = (DEFINITIONS / block["text_file"]).read_text(encoding="utf-8").strip()
            block = {**{k: v for k, v in block.items() if k != "text_file"}, "text": text}
        content.append(block)
    end, tps = turn["end"], turn.get("tps")
    return {"model": model, "input_tokens": input_tokens, "tps": tps, "content": content, "end": end}


def write(out: Path, fixture: Fixture) -> Path:
    buffer = io.BytesIO()
    writer = FixtureWriter(buffer, **fixture.meta)
    for chunk in fixture.chunks():
        writer.event(chunk.raw, chunk.time)
    path = out / f"{fixture.name}.sse"
    path.write_bytes(buffer.getvalue())
    return path


def build_response(name: str, definition: Mapping[str, Any]) -> list[Fixture]:
    req = request(definition)
    emitter = emit_response(response(req["model"], definition["input_tokens"], definition), f"{SEED}:{name}")
    description = definition["description"].format(output_tokens=emitter.output_tokens, seconds=emitter.t)
    return [emitter.fixture(name, description=description, request=req)]


class Quiet:
    """A stream sink that shows nothing: the agent runs here only to say what it sends."""

    def update(self, event: Event, snapshot: Snapshot) -> None:
        pass

    def close(self, snapshot: Snapshot) -> None:
        pass


class ScriptedModel:
    """An httpx transport handler: the scenario's turn N answers the Nth request run_agent sends."""

    def __init__(self, name: str, definition: Mapping[str, Any]) -> None:
        self.name, self.turns = name, definition["turns"]
        self.fixtures: list[Fixture] = []

    def __call__(self, http_request: httpx.Request) -> httpx.Response:
        sent = json.loads(http_request.content)
        sent.pop("stream", None)  # the client streams every request; the header keeps the parameters
        number = len(self.fixtures) + 1
        if number > len(self.turns):
            raise DefinitionError(f"{DEFINITIONS / self.name}.toml: request {number} is past the last turn")
        turn = self.turns[number - 1]
        input_tokens = 640 + 90 * len(sent["messages"]) + 25 * number  # grows with the conversation
        emitter = emit_response(response(sent["model"], input_tokens, turn), f"{SEED}:{self.name}_{number}")
        description = f"Agent scenario {self.name}, turn {number} of {len(self.turns)}: {turn['description']}"
        fixture = emitter.fixture(f"{self.name}_{number}", description=description, request=sent)
        self.fixtures.append(fixture)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=fixture.body)


def build_agent(name: str, definition: Mapping[str, Any]) -> list[Fixture]:
    model = ScriptedModel(name, definition)
    params = dict(definition["request"])
    client = Claude(
        api_key="sk-ant-test-make-fixtures",
        base_url="http://fixtures.invalid",
        transport=httpx.MockTransport(model),
        max_retries=0,
        max_reconnects=0,
    )
    try:
        result = run_agent(
            messages=[{"role": "user", "content": definition["prompt"]}],
            tools=[getattr(examples, tool) for tool in definition["tools"]],
            client=client,
            max_turns=len(model.turns),
            view=Quiet(),
            **params,
        )
    finally:
        client.close()
    if len(model.fixtures) != len(model.turns) or result.reason != "end_turn":
        raise DefinitionError(
            f"{DEFINITIONS / name}.toml: the agent ran {len(model.fixtures)} of {len(model.turns)} turns, "
            f"then {result.reason} ({result.note})"
        )
    return model.fixtures


def build(names: list[str], out: Path) -> list[Path]:
    """Write the fixtures of these definitions into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        definition = load(name)
        try:
            fixtures = (build_agent if "turns" in definition else build_response)(name, definition)
        except (KeyError, TypeError, ValueError) as exc:
            what = f"a key is missing: {exc}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
            raise DefinitionError(f"{DEFINITIONS / name}.toml: {what}") from exc
        written += [write(out, fixture) for fixture in fixtures]
    return written


def check(names: list[str], against: Path, every: bool) -> list[str]:
    """Regenerate into a temporary folder; what differs from ``against`` (empty: all the same)."""
    with tempfile.TemporaryDirectory() as tmp:
        problems = []
        fresh = {p.name: p.read_bytes() for p in build(names, Path(tmp))}
        for file, data in sorted(fresh.items()):
            old = against / file
            if not old.exists():
                problems.append(f"{old}: missing (the definitions make it)")
            elif old.read_bytes() != data:
                problems.append(f"{old}: differs from what its definition makes")
        if every:
            problems += [f"{p}: no definition makes it" for p in sorted(against.glob("*.sse")) if p.name not in fresh]
        return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="definitions to build (default: all)")
    parser.add_argument("--out", type=Path, default=BUNDLED, help="output folder (default: the bundled fixtures)")
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    args = parser.parse_args(argv)
    known = definitions()
    if unknown := [n for n in args.names if n not in known]:
        parser.error(f"no definition named {', '.join(unknown)} in {DEFINITIONS}; there are: {', '.join(known)}")
    names = args.names or known
    try:
        if args.check:
            problems = check(names, args.out, every=not args.names)
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"{len(problems)} fixture(s) differ" if problems else f"every fixture in {args.out} is as made")
            return 1 if problems else 0
        for path in build(names, args.out):
            print(f"wrote {path}")
    except DefinitionError as exc:
        print(f"make_fixtures: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
