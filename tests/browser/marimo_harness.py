"""The marimo harness: ``marimo run`` on a folder of notebooks, and a page object for one app.

:class:`MarimoServer` runs ``marimo run FOLDER`` -- one server for every notebook of the session
(:data:`NOTEBOOKS`: the example and a few small test notebooks), each page load a fresh marimo
session that runs the notebook's cells top to bottom. The page is read through shadow roots
(``frontends``), where marimo renders anywidget widgets.
"""

from __future__ import annotations

import sys
import textwrap
import urllib.parse
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from .frontends import FrontEndPage, ServerProcess
from .harness import REPO


class MarimoServer(ServerProcess):
    """``marimo run ROOT`` without a token or a sandbox, serving :data:`NOTEBOOKS` (``marimo
    run FOLDER`` lists the folder's notebooks once, when it starts: they are written first)."""

    name = "marimo"
    ready_path = "/health"

    def start(self, timeout: float = 60) -> None:
        for name, source in NOTEBOOKS.items():
            (self.root / name).write_text(source)
        config = self.base / "home" / "config" / "marimo" / "marimo.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text('[display]\ntheme = "system"\n')  # light or dark as the page's colour scheme says
        super().start(timeout)

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "marimo", "run", str(self.root), "--headless",
            "--host", "127.0.0.1", "--port", str(self.port), "--no-token", "--no-sandbox",
            "--session-ttl", "2",  # a closed page's session (and its replay) ends soon after
        ]  # fmt: skip

    def env(self) -> dict[str, str]:
        return {**super().env(), "MARIMO_SKIP_UPDATE_CHECK": "1"}

    def app_url(self, name: str, **query: Any) -> str:
        return f"{self.url}/?{urllib.parse.urlencode({'file': name, **query})}"



def marimo_app(*cells: str) -> str:
    """A marimo notebook file: a cell that imports ``mo``, then one ``@app.cell`` per source.
    (marimo works out what each cell reads and defines when it parses the file, so a generated
    cell takes no parameters and returns nothing; a name is defined by one cell only.)"""
    body = "\n\n".join(
        "@app.cell\ndef _():\n" + textwrap.indent(textwrap.dedent(cell).strip("\n"), "    ") + "\n    return"
        for cell in ("import marimo as mo", *cells)
    )
    return f'import marimo\n\napp = marimo.App()\n\n\n{body}\n\n\nif __name__ == "__main__":\n    app.run()\n'


class MarimoPage(FrontEndPage):
    """One marimo app in one page: each ``open`` starts a session that runs every cell."""

    def __init__(self, page: Page, server: MarimoServer, shots: Path, name: str) -> None:
        super().__init__(page, shots, f"marimo-{name}")
        self.server = server

    def open(self, notebook: str, **query: Any) -> None:
        self.page.goto(self.server.app_url(notebook, **query))

    def outputs(self) -> list[str]:
        """The text of every cell output on the page (marimo's ``.output-area``), in order."""
        texts: list[str] = self.read("return deepAll('.output-area').map((el) => el.innerText);")
        return texts


# --- the notebooks the server serves ----------------------------------------------------------

# A 20-line anywidget of the harness's own: proof that marimo shows a widget's updates while its
# cell still runs and keeps a toggle the user made -- independent of the stream view. Its text is
# synced state (custom messages sent before marimo rendered the widget would be lost: its first
# ~0.1 s of `send()`s are, in marimo 0.25).
TINY = '''
import time

import anywidget
import traitlets

class Tiny(anywidget.AnyWidget):
    _esm = """
    export default { render({ model, el }) {
      el.innerHTML = '<details class="tiny-details"><summary>more</summary>x</details><p class="tiny-text"></p>';
      const show = () => { el.querySelector('.tiny-text').textContent = model.get('text'); };
      show();
      model.on('change:text', show);
    } };
    """
    text = traitlets.Unicode("").tag(sync=True)

tiny = Tiny()
mo.output.replace(tiny)
for i in range(60):
    tiny.text += f"w{i} "
    time.sleep(0.05)
result = tiny
'''

# The last cell reads the work cell's `result`, so marimo runs it after that one has ended.
DONE = """
mo.md(f"cells done: {type(result).__name__}")
"""

# `show` with the official SDK over ReplayTransport: the live code path, offline.
SHOW = """
import anthropic
import httpx2

from claude_stream_nb import ReplayTransport, show

transport = ReplayTransport("thinking_text", speed=1).for_httpx2()
client = anthropic.Anthropic(api_key="sk-ant-test-offline", http_client=httpx2.Client(transport=transport))
request = {"model": "claude-sonnet-4-5", "max_tokens": 2048, "messages": [{"role": "user", "content": "hi"}]}
with client.messages.stream(**request) as sdk_stream:
    message = show(sdk_stream)
result = message
"""

PLAY = """
from claude_stream_nb import play

result = play("thinking_text", speed=1, autoplay=True)
result
"""

EXAMPLE = REPO / "examples" / "marimo_replay.py"
NOTEBOOKS = {
    EXAMPLE.name: EXAMPLE.read_text(),
    "tiny.py": marimo_app(TINY, DONE),
    "show.py": marimo_app(SHOW, DONE),
    "play.py": marimo_app(PLAY, DONE),
}
