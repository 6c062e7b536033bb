"""The browser harness: a Jupyter server, Debian's Chromium, and a page object for one notebook.

One server serves both front ends -- JupyterLab at ``/lab`` and Notebook 7 at ``/notebooks`` --
because Notebook 7 is a server extension that every Jupyter server of this environment loads
(``jupyter notebook`` starts the same server with another default page). It listens on
127.0.0.1, on a free port, with a random token, in a temporary root folder, with fresh config,
settings and workspace folders so nothing of the user's setup leaks in and nothing goes online.

:class:`Notebook` writes a notebook into the root folder, opens it in a page, runs a cell from
the keyboard and reads the view back from the DOM: :data:`VIEW_STATE` is everything the checks
look at, for the live widget and for the static transcript that replaces it; :data:`RECORD_FRAMES`
counts the live text at every animation frame (every state the page could paint).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from claude_stream_nb.core._events import Event
from claude_stream_nb.core._snapshot import Snapshot
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.sinks.render import _html as h
from claude_stream_nb.sources._fixtures import load_fixture
from claude_stream_nb.sources._replay import Pacer, replay_chunks, timed_chunks

CHROMIUM = Path(os.environ.get("CSN_CHROMIUM", "/usr/bin/chromium"))  # Debian's; never a browser download
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# JupyterLab asks whether to fetch news on first start: say no up front (no toast, no request).
NEWS_SETTING = ("@jupyterlab/apputils-extension/notification.jupyterlab-settings", {"fetchNews": "false"})
RATE_LIMIT_SIGNS = ("rate exceeded", "iopub messages resumed")  # what the server says and logs


class JupyterServer:
    """``python -m jupyterlab`` in ``base``; ``start()`` returns once its API answers."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = base / "root"
        self.log_path = base / "server.log"
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        dirs = {name: self.base / name for name in ("root", "config", "data", "runtime", "ipython", "settings", "ws")}
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        for name, setting in [NEWS_SETTING]:
            (dirs["settings"] / name).parent.mkdir(parents=True, exist_ok=True)
            (dirs["settings"] / name).write_text(json.dumps(setting))
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(dirs["config"]),
            "JUPYTER_DATA_DIR": str(dirs["data"]),  # no user kernelspec shadows the environment's python3
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "JUPYTER_PLATFORM_DIRS": "1",
            "IPYTHONDIR": str(dirs["ipython"]),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={dirs['root']}",
            "--ServerApp.allow_root=True", "--ServerApp.terminals_enabled=False",
            f"--LabApp.workspaces_dir={dirs['ws']}", f"--LabApp.user_settings_dir={dirs['settings']}",
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]  # fmt: skip
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=self.root)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the Jupyter server exited ({self._process.returncode}):\n{self.log()[-3000:]}")
            try:
                self.api("GET", "/api/status")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the Jupyter server did not answer within {timeout} s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()  # the server shuts its kernels down on SIGTERM
                try:
                    self._process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def api(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"token {self.token}", "Content-Type": "application/json"}
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def set_theme(self, theme: str) -> None:
        """JupyterLab's theme (``JupyterLab Light`` / ``JupyterLab Dark``) for pages loaded after this
        (Notebook 7 reads the same setting)."""
        raw = json.dumps({"theme": theme})
        self.api("PUT", "/lab/api/settings/@jupyterlab/apputils-extension:themes", {"raw": raw})

    def shut_down_kernel_of(self, path: str) -> None:
        for session in self.api("GET", "/api/sessions"):
            if session["path"] == path:
                self.api("DELETE", f"/api/sessions/{session['id']}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def page_url(self, ui: str, path: str) -> str:
        if ui == "lab":  # a workspace of its own, so Lab does not reopen the other tests' notebooks
            return f"{self.url}/lab/workspaces/{Path(path).stem}/tree/{path}?token={self.token}"
        return f"{self.url}/notebooks/{path}?token={self.token}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- the page -----------------------------------------------------------------------------------

# Everything the checks read, from one cell's output: the live view (the anywidget's DOM, inside
# div.csn-host) or the static transcript that replaces it -- the same structure and csn-* classes.
VIEW_STATE = """(area) => {
  const q = (selector) => area.querySelector(selector);
  const visible = (el) => !!el && el.checkVisibility();
  const live = q('.csn-host .csn');
  const root = live ?? q('.csn');
  const panel = root?.querySelector('details.csn-thinking-panel');
  const all = (selector) => (root ? [...root.querySelectorAll(selector)] : []);
  return {
    live: !!live,
    transcript: !!root && !live,
    state: root?.querySelector('.csn-state')?.textContent ?? null,
    text: all('.csn-text').map((el) => el.innerText).join('\\n'),
    textContent: all('.csn-text').map((el) => el.textContent).join(' '),
    thinking: panel ? {
      open: panel.open && visible(panel.querySelector('.csn-thinking')),
      title: panel.querySelector('summary').innerText.trim(),
    } : null,
    tools: all('.csn-tool').map((card) => ({
      name: card.querySelector('.csn-tool-name')?.textContent ?? null,
      badge: card.querySelector('.csn-badge')?.textContent ?? null,
      args: card.querySelector('.csn-args')?.innerText ?? null,
    })),
    footer: root?.querySelector('.csn-footer')?.innerText ?? null,
    widgetError: /Error displaying widget|model not found|Loading widget/.test(area.innerText),
  };
}"""


# The live view's text at every animation frame -- every state the page could paint -- as a count of
# letters and digits (what markdown never adds or hides), until the transcript replaces the view; and the
# positions of known text (paragraphs, headings, tool names, the footer) and the output's height in the
# last frame of the live view and the first of the transcript.
RECORD_FRAMES = """(area) => {
  const frames = (window.csnFrames = []);
  const measure = () => {
    const root = area.querySelector('.csn');
    if (!root) return null;
    const known = [...root.querySelectorAll('.csn-header, .csn-text > :not(.csn-tail), .csn-thinking-panel > summary, '
      + '.csn-tool-name, .csn-args, .csn-footer, .csn-timeline > summary, .csn-log-box > summary')];
    const rects = {};
    const origin = area.getBoundingClientRect();  // relative to the output area: a page scroll is no shift
    known.forEach((el, i) => {
      const r = el.getBoundingClientRect();
      const key = `${i}:${el.className || el.tagName}:${el.textContent.slice(0, 24)}`;
      rects[key] = [r.left - origin.left, r.top - origin.top, r.height];
    });
    const table = root.querySelector('table');
    const sizes = [root, root.querySelector('.csn-text'), table]
      .map((el) => el && [el.getBoundingClientRect().width, getComputedStyle(el).marginLeft]);
    // Notebook 7 (Auto Scroll Outputs, on by default) makes a long output a scroll box.
    const scrolled = !!area.closest('.jp-mod-outputsScrolled');
    return { rects, height: area.getBoundingClientRect().height, sizes, scrolled };
  };
  window.csnLastLive = null;
  window.csnFirstSaved = null;
  // Also after every change of the live DOM, painted or not: the final frame and the transcript that
  // replaces it can arrive between two animation frames.
  new MutationObserver(() => {
    if (area.querySelector('.csn-host .csn')) window.csnLastLive = measure();
  }).observe(area, { childList: true, subtree: true, characterData: true });
  const tick = () => {
    const live = area.querySelector('.csn-host .csn');
    if (live) {
      const runs = [...live.querySelectorAll('.csn-text')];
      if (runs.length) frames.push(runs.map((el) => el.textContent).join(' ').match(/[\\p{L}\\p{N}]/gu)?.length ?? 0);
      window.csnLastLive = measure();
      requestAnimationFrame(tick);
    } else if (area.querySelector('.csn')) {
      window.csnFirstSaved = measure();
    } else {
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame(tick);
}"""


KERNEL_READY = """() => {
  const panel = document.querySelector('.jp-NotebookPanel');
  const name = panel?.querySelector('[data-jp-item-name="kernelName"]')?.innerText ?? '';
  const status = panel?.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status');
  return name.includes('Python 3') && status === 'idle';
}"""


class Notebook:
    """One notebook in one page: write it, open it, run a cell, read the view."""

    def __init__(self, page: Page, server: JupyterServer, ui: str, name: str, shots: Path) -> None:
        self.page = page
        self.server = server
        self.ui = ui
        self.path = f"{name}.ipynb"
        self.shots = shots
        self.dialogs: list[str] = []
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog: Any) -> None:
        if dialog.type == "beforeunload":  # "leave the page?" -- not something the view opened
            dialog.accept()
            return
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    # --- setting up ---

    def write(self, *cells: str) -> None:
        notebook = {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": f"cell-{i}",
                    "metadata": {},
                    "outputs": [],
                    "source": source,
                }
                for i, source in enumerate(cells)
            ],
            "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        (self.server.root / self.path).write_text(json.dumps(notebook, indent=1))

    def open(self, timeout: float = 90) -> None:
        """Load the page and wait until the kernel is ready (the first JupyterLab load is slow)."""
        self.page.goto(self.server.page_url(self.ui, self.path))
        self.wait_for_kernel(timeout)

    def reload(self, timeout: float = 90) -> None:
        self.page.reload()
        self.wait_for_kernel(timeout)

    def wait_for_kernel(self, timeout: float = 90) -> None:
        """Until the toolbar names the kernel and shows it idle: a cell run before is dropped."""
        self.page.wait_for_function(KERNEL_READY, timeout=timeout * 1000, polling=100)

    def read(self) -> dict[str, Any]:
        """The notebook as saved on disk."""
        saved: dict[str, Any] = json.loads((self.server.root / self.path).read_text())
        return saved

    # --- acting ---

    def cell(self, index: int = 0) -> Locator:
        return self.page.locator(".jp-NotebookPanel .jp-CodeCell").nth(index)

    def output(self, index: int = 0) -> Locator:
        return self.cell(index).locator(".jp-OutputArea").first

    def run(self, index: int = 0, timeout: float = 15) -> None:
        """Click into the cell and press Shift+Enter, as a person would; wait until it is queued.
        Rarely JupyterLab drops that first run (the prompt stays ``[ ]``, the kernel idle, seen
        once in ~100 runs): then, as a person would, run it again (Ctrl+Enter: in place)."""
        self.cell(index).locator(".jp-InputArea-editor").click()
        self.page.keyboard.press("Shift+Enter")
        queued = self.prompt(index, r"\[(\*|\d+)\]")
        try:
            queued.wait_for(timeout=5000)
        except PlaywrightTimeoutError:
            self.cell(index).locator(".jp-InputArea-editor").click()
            self.page.keyboard.press("Control+Enter")
            queued.wait_for(timeout=timeout * 1000)

    def prompt(self, index: int, pattern: str) -> Locator:
        """The cell's ``[n]:`` prompt, once its text matches ``pattern``."""
        return self.cell(index).locator(".jp-InputPrompt").filter(has_text=re.compile(pattern))

    def save(self, timeout: float = 30) -> None:
        """Ctrl+S, then wait until the file on disk has this cell's outputs."""
        self.page.keyboard.press("Control+s")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(cell.get("outputs") for cell in self.read()["cells"]):
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"{self.path} was not saved with its outputs within {timeout} s")

    # --- reading ---

    def record_frames(self, index: int = 0) -> None:
        """Start counting the live view's letters at every animation frame (see :meth:`frames`)."""
        self.output(index).evaluate(RECORD_FRAMES)

    def frames(self) -> list[int]:
        """The letters the live view showed at each animation frame since :meth:`record_frames`."""
        frames: list[int] = self.page.evaluate("() => window.csnFrames")
        return frames

    def end_positions(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Known text's positions and the output's height in the live view's last frame and the
        transcript's first (see :data:`RECORD_FRAMES`)."""
        before, after = self.page.evaluate("() => [window.csnLastLive, window.csnFirstSaved]")
        return before, after

    def view(self, index: int = 0) -> dict[str, Any]:
        state: dict[str, Any] = self.output(index).evaluate(VIEW_STATE)
        return state

    def watch(self, index: int = 0, timeout: float = 90, interval: float = 0.1) -> Iterator[dict[str, Any]]:
        """The view's state every ``interval`` seconds until the transcript replaced the live view
        (the last state yielded) and the cell is done."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.view(index)
            yield state
            if state["transcript"] and not state["live"]:
                self.prompt(index, r"\[\d+\]").wait_for(timeout=max(deadline - time.monotonic(), 1) * 1000)
                return
            self.page.wait_for_timeout(interval * 1000)
        raise AssertionError(f"no transcript within {timeout} s; the view showed {self.view(index)}")

    def finished(self, index: int = 0, timeout: float = 90) -> dict[str, Any]:
        """Wait until the cell is done; the final state."""
        *_, state = self.watch(index, timeout, interval=0.2)
        return state

    def screenshot(self, label: str = "") -> Path:
        path = self.shots / f"{Path(self.path).stem}{'-' + label if label else ''}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def final_snapshot(name: str) -> Snapshot:
    """The fixture folded with its recorded times, as the view folds it."""
    fold = StreamFold()
    for chunk in replay_chunks(load_fixture(name), Pacer(instant=True)):
        fold.feed(chunk.raw, chunk.time)
    return fold.close()


def expected_text(name: str) -> str:
    """The fixture's answer as a reader sees it: the rendered markdown's text, whitespace folded."""
    return snapshot_text(final_snapshot(name))


def snapshot_text(snap: Snapshot) -> str:
    """A snapshot's text as a reader sees it (see :func:`expected_text`)."""
    runs = [h.markdown_html(h.text_source(s.blocks)) for s in h.segments(snap) if s.kind == "text"]
    return " ".join(fold_space(html_text(html)) for html in runs)


def fixture_steps(name: str) -> list[tuple[Event, Snapshot, Snapshot]]:
    """Every event of the fixture with the snapshot before and after it, as the player steps."""
    steps: list[tuple[Event, Snapshot, Snapshot]] = []
    fold, before = StreamFold(), Snapshot()
    for chunk in timed_chunks(load_fixture(name)):
        for event, after in fold.feed(chunk.raw, chunk.time):
            steps.append((event, before, after))
            before = after
    return steps


def letters(text: str) -> str:
    """Letters and digits only: what markdown syntax (``**``, pipes, fences) never adds or hides."""
    return "".join(re.findall(r"[^\W_]", text))


def fold_space(text: str) -> str:
    return " ".join(text.split())


def html_text(html: str) -> str:
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
