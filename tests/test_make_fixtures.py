"""The bundled fixtures are what their definitions (scripts/fixtures/*.toml) make, byte for byte.

scripts/make_fixtures.py regenerates every fixture -- the agent scenarios through run_agent
itself -- into a temporary folder; any change to a definition, the emitter, the pacing model or
what the agent loop sends shows up here as a fixture that no longer matches.
"""

from __future__ import annotations

import base64
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from claude_stream_nb import load_fixture
from claude_stream_nb.fake_api import Emitter

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "claude_stream_nb" / "fixtures"


@pytest.fixture(scope="module")
def make() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_fixtures", ROOT / "scripts" / "make_fixtures.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def first_difference(a: bytes, b: bytes) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"byte {at}: {a[max(at - 40, 0) : at + 40]!r} vs {b[max(at - 40, 0) : at + 40]!r}"


def test_every_bundled_fixture_is_regenerated_byte_for_byte(make: ModuleType, tmp_path: Path) -> None:
    assert make.main(["--out", str(tmp_path)]) == 0
    made = sorted(p.name for p in tmp_path.glob("*.sse"))
    assert made == sorted(p.name for p in BUNDLED.glob("*.sse"))
    for name in made:
        fresh, bundled = (tmp_path / name).read_bytes(), (BUNDLED / name).read_bytes()
        assert fresh == bundled, f"{name} differs at {first_difference(fresh, bundled)}"


def test_check_names_each_fixture_that_differs(make: ModuleType, tmp_path: Path, capsys: Any) -> None:
    folder = tmp_path / "fixtures"
    shutil.copytree(BUNDLED, folder)
    (folder / "xss.sse").write_bytes((folder / "xss.sse").read_bytes().replace(b"alert(1)", b"alert(9)"))
    (folder / "refusal.sse").unlink()
    (folder / "stray.sse").write_bytes(b"")
    assert make.main(["--check", "--out", str(folder)]) == 1
    err = capsys.readouterr().err
    assert f"{folder / 'xss.sse'}: differs" in err
    assert f"{folder / 'refusal.sse'}: missing" in err
    assert f"{folder / 'stray.sse'}: no definition makes it" in err
    assert "plain_text" not in err
    assert make.main(["--check", "plain_text", "--out", str(folder)]) == 0  # only what was asked


def test_an_unknown_name_is_refused_with_the_known_ones(make: ModuleType, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exit:
        make.main(["no_such_fixture"])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "no definition named no_such_fixture" in err
    assert "plain_text, redacted_thinking" in err


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "scripts" / "fixtures").glob("[!_]*.toml")))
def test_a_fixture_says_what_its_definition_says(make: ModuleType, name: str) -> None:
    """Fold the bundled fixture (each turn of an agent scenario): its blocks are the definition's."""
    definition = make.load(name)
    turns = definition.get("turns", [definition])
    for number, turn in enumerate(turns, 1):
        fixture = load_fixture(f"{name}_{number}" if "turns" in definition else name)
        blocks = [b for b in make.response("m", 0, turn)["content"] if "event" not in b]
        assert_blocks(fixture.fold().to_message()["content"], blocks)


def assert_blocks(content: list[dict[str, Any]], blocks: list[dict[str, Any]]) -> None:
    assert [b["type"] for b in content] == [b["type"] for b in blocks]
    for got, want in zip(content, blocks, strict=True):
        text = want.get("text", want.get("thinking"))
        if text is not None:
            parts = [text] if isinstance(text, str) else [p for p in text if isinstance(p, str)]
            assert got.get("text", got.get("thinking")) == "".join(parts)
        if "input" in want:
            assert got["input"] == want["input"]
        if want["type"] == "redacted_thinking":
            assert base64.b64decode(got["data"])[:1] == b"\x12"


def test_opaque_placeholders_are_made_up_from_the_seed() -> None:
    one, two = Emitter("seed", "m", 1), Emitter("seed", "m", 1)
    value = {"a": ["<opaque 10-10 bytes>", "kept"], "id": "<tool id>"}
    one.tool_id = two.tool_id = "toolu_01x"
    filled = one.opaque(value)
    assert filled == two.opaque(value)  # the same seed, the same bytes
    assert len(base64.b64decode(filled["a"][0])) == 10
    assert filled["a"][1:] == ["kept"]
    assert filled["id"] == "toolu_01x"
    assert Emitter("other", "m", 1).opaque(value) != filled
