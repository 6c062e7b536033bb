"""What the marimo and Voilà tests share: a server process, and reading the page through shadow roots.

:class:`ServerProcess` runs a front end's server as a child process in its own process group,
on 127.0.0.1 and a free port, with fresh config and cache folders so nothing of the user's setup
leaks in, its output in a log file (quoted when it fails to start), ready once an HTTP path
answers 200; ``stop()`` ends the whole group (the kernels it started too).

marimo renders an anywidget widget inside a ``<marimo-anywidget>`` element's open shadow root.
Playwright's CSS locators pierce open shadow roots; code given to ``evaluate`` does not, so
:data:`DEEP` (prefixed to every script here) finds elements through every shadow root -- and
the same scripts read Voilà's plain DOM. :class:`FrontEndPage` samples the page, reads the stream
view (:data:`VIEW_STATE`), its text contrast, markdown styles, layout at every animation frame,
and what untrusted content could have injected (:data:`XSS_PROBE`); it records any dialog opened.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from playwright.sync_api import Dialog, Locator, Page

from .harness import REPO, _free_port


class ServerProcess:
    """A server command run in ``base``; ``start()`` returns once ``ready_path`` answers 200."""

    name = "server"
    ready_path = "/"

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = base / "root"
        self.log_path = base / "server.log"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.root.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        home = self.base / "home"
        for sub in ("config", "cache", "state", "data"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        return {
            **os.environ,
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_DATA_HOME": str(home / "data"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }

    def start(self, timeout: float = 60) -> None:
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            self.command(), stdout=self._log, stderr=subprocess.STDOUT, env=self.env(), cwd=self.root,
            start_new_session=True,  # its own process group: stop() ends the kernels it started too
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self._process.returncode}):\n{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout} s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                os.killpg(self._process.pid, signal.SIGTERM)
                try:
                    self._process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(self._process.pid, signal.SIGKILL)
                    self._process.wait()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


# --- reading the page through shadow roots --------------------------------------------------------

# deepAll(selector[, root]): every match in the document and in every open shadow root inside it.
DEEP = """
const deepAll = (selector, root = document) => {
  const found = [...root.querySelectorAll(selector)];
  for (const el of root.querySelectorAll('*')) if (el.shadowRoot) found.push(...deepAll(selector, el.shadowRoot));
  return found;
};
const deep = (selector, root = document) => deepAll(selector, root)[0] ?? null;
"""


def deep_eval(page: Page, body: str, arg: Any = None) -> Any:
    """Evaluate ``(arg) => { body }`` with :data:`DEEP`'s helpers in scope."""
    return page.evaluate(f"(arg) => {{ {DEEP}\n{body} }}", arg)


# The stream view as a person sees it, read through shadow roots (view.js documents the DOM): the
# live widget (inside ``.csn-host``) or the static transcript with the same classes, whichever is
# on the page last.
VIEW_STATE = """
const roots = deepAll('.csn[data-csn-view]');
const root = roots[roots.length - 1];
if (!root) return {found: false, live: false, state: null, text: '', textContent: '', thinking: null, footer: null};
const q = (selector) => root.querySelector(selector);
const texts = [...root.querySelectorAll('.csn-text')];
const thinking = q('details.csn-thinking-panel');
return {
  found: true,
  views: roots.length,
  live: !!root.closest('.csn-host'),
  state: q('.csn-state')?.textContent ?? null,
  text: texts.map((el) => el.innerText).join('\\n'),
  textContent: texts.map((el) => el.textContent).join(' '),
  thinking: thinking ? {open: thinking.open, title: thinking.querySelector('summary')?.innerText ?? null} : null,
  footer: q('.csn-footer')?.innerText ?? null,
};
"""


# The answer's markdown as styled on the page: font size and weight of its first heading and
# paragraph, and the first list's bullets and indent.
MARKDOWN_STYLE = """
const style = (selector) => {
  const el = deep('.csn-text ' + selector);
  if (!el) return null;
  const cs = getComputedStyle(el);
  return {size: parseFloat(cs.fontSize), weight: Number(cs.fontWeight), bullets: cs.listStyleType,
          indent: parseFloat(cs.paddingLeft) + parseFloat(cs.marginLeft)};
};
return {h1: style('h1'), h2: style('h2'), p: style('p'), ul: style('ul')};
"""


# At every animation frame, until stopped: whether the view is live, its state, its height, and the
# page positions of the answer's first paragraphs and of the footer (known text, not pixels).
RECORD_LAYOUT = """
const frames = (window.csnLayout = []);
const tick = () => {
  const roots = deepAll('.csn[data-csn-view]');
  const root = roots[roots.length - 1];
  if (root) {
    const top = (el) => el ? Math.round(el.getBoundingClientRect().top * 10) / 10 : null;
    frames.push({
      live: !!root.closest('.csn-host'),
      state: root.querySelector('.csn-state')?.textContent ?? null,
      height: Math.round(root.getBoundingClientRect().height * 10) / 10,
      paragraphs: [...root.querySelectorAll('.csn-text p')].slice(0, 5).map(top),
      footer: top(root.querySelector('.csn-footer')),
    });
  }
  if (!window.csnLayoutStop) requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
"""


# WCAG contrast of the view's text against what is painted behind it, from computed styles: each
# colour is painted on a 1-pixel canvas and read back (so any CSS colour syntax counts); the
# background is the ancestors' (through shadow hosts) composited down to the first opaque one (or
# white), and the text colour composited over it (JupyterLab's text colours are translucent).
CONTRAST = """
const canvas = document.createElement('canvas');
canvas.width = canvas.height = 1;
const ctx = canvas.getContext('2d', {willReadFrequently: true});
const rgba = (color) => {
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillStyle = '#000';
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
  return [r, g, b, a / 255];
};
const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
const behind = (el) => {
  const layers = [];
  for (let e = el; e; e = e.parentElement || e.getRootNode().host) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) layers.push(c);
    if (c[3] >= 1) break;
  }
  return layers.reduceRight((below, layer) => over(layer, below), [255, 255, 255, 1]);
};
const lum = ([r, g, b]) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const out = {};
for (const [name, selector] of Object.entries(arg)) {
  const el = deep(selector);
  if (!el) { out[name] = null; continue; }
  const back = behind(el);
  const [a, b] = [lum(over(rgba(getComputedStyle(el).color), back)), lum(back)].sort((x, y) => y - x);
  out[name] = Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
}
return out;
"""
TEXTS = {
    "answer": ".csn-text p",
    "thinking": ".csn-thinking",
    "thinking title": "details.csn-thinking-panel > summary",
    "state": ".csn-state",
    "tool name": ".csn-tool-name",
    "tool arguments": ".csn-args",
    "footer": ".csn-footer",
}


# Whether untrusted text stayed text (the ``xss`` fixture): inside every stream view (``.csn`` roots,
# found through shadow roots, and everything inside them, shadow roots too) each element that runs
# or loads code, each ``on*`` attribute, each URL attribute starting with ``javascript:``; and the
# document's title and the views' visible text (``shown``), to compare with what the fixture sent.
XSS_PROBE = """
const roots = deepAll('.csn');
const inside = [...new Set(roots.flatMap((root) => [root, ...deepAll('*', root)]))];
const name = (el) => el.tagName.toLowerCase();
return {
  roots: roots.length,
  elements: inside.length,
  title: document.title,
  injected: inside.filter((el) => el.matches('script, iframe, object, embed, img[onerror]')).map((el) => el.outerHTML),
  handlers: inside.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name))
    .map((a) => `${name(el)}[${a.name}]`)),
  jsLinks: inside.flatMap((el) => [...el.attributes]
    .filter((a) => /^(href|src|xlink:href|action|formaction|data)$/i.test(a.name) && /^\\s*javascript:/i.test(a.value))
    .map((a) => `${name(el)}[${a.name}=${a.value}]`)),
  shown: roots.filter((root) => !roots.some((other) => other !== root && other.contains(root)))
    .map((root) => root.innerText).join('\\n'),
};
"""
# What the ``xss`` fixture sends that must show as text: in the thinking (once opened), the answer,
# the tool's input, the error.
XSS_PAYLOADS = (
    "<script>document.title='pwned-thinking'</script>",
    "<script>alert('xss')</script>",
    "<img src=x onerror=\"document.title='pwned'\">",
    "[click](javascript:alert(1))",
    '<iframe src="javascript:alert(2)"></iframe>',
    "onerror=alert(3)",
    "<b onmouseover=alert(4)>overloaded</b>",
)


def inert(probe: dict[str, Any]) -> dict[str, Any]:
    """What of an :data:`XSS_PROBE` result must be empty: whatever was injected, handlers, js links."""
    return {key: probe[key] for key in ("injected", "handlers", "jsLinks")}


def assert_inert(probes: list[dict[str, Any]], title: str, dialogs: list[str]) -> None:
    """An XSS run's verdict: no probe found anything active, the title never changed, no dialog
    opened, and every payload shows as text in the last probe."""
    for probe in probes:
        assert probe["title"] == title
        assert inert(probe) == {"injected": [], "handlers": [], "jsLinks": []}
    assert dialogs == []
    for payload in XSS_PAYLOADS:
        assert payload in probes[-1]["shown"], f"{payload} shows as text after the end"


class FrontEndPage:
    """What the marimo and Voilà pages share: sampling the page until a condition holds."""

    def __init__(self, page: Page, shots: Path, name: str) -> None:
        self.page = page
        self.shots = shots
        self.name = name
        self.console: list[str] = []
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        self.dialogs: list[str] = []  # alert, confirm, prompt: none is expected
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog: Dialog) -> None:
        if dialog.type == "beforeunload":  # "leave the page?" -- not something the view opened
            dialog.accept()
            return
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def read(self, body: str, arg: Any = None) -> Any:
        return deep_eval(self.page, body, arg)

    def view(self) -> dict[str, Any]:
        """The stream view's state (:data:`VIEW_STATE`)."""
        state: dict[str, Any] = self.read(VIEW_STATE)
        return state

    def contrast(self) -> dict[str, float | None]:
        """The contrast of each of :data:`TEXTS` (``None``: not on the page)."""
        ratios: dict[str, float | None] = self.read(CONTRAST, TEXTS)
        return ratios

    def xss(self) -> dict[str, Any]:
        """What untrusted content could have injected into the views (:data:`XSS_PROBE`)."""
        probe: dict[str, Any] = self.read(XSS_PROBE)
        return probe

    def record_layout(self) -> None:
        """Start recording the view's layout at every animation frame (:data:`RECORD_LAYOUT`)."""
        self.read(RECORD_LAYOUT)

    def layout(self) -> list[dict[str, Any]]:
        """Stop recording; every frame recorded."""
        stop = "() => { window.csnLayoutStop = true; return window.csnLayout; }"
        frames: list[dict[str, Any]] = self.page.evaluate(stop)
        return frames

    def markdown_style(self) -> dict[str, Any]:
        """How the answer's headings, paragraphs and lists are styled (:data:`MARKDOWN_STYLE`)."""
        style: dict[str, Any] = self.read(MARKDOWN_STYLE)
        return style

    def thinking_summary(self) -> Locator:
        """The thinking panel's header, to click (a CSS locator pierces shadow roots)."""
        return self.page.locator("details.csn-thinking-panel > summary").last

    def samples(
        self, read: Callable[[], dict[str, Any]], until: Callable[[dict[str, Any]], bool], timeout: float = 30,
        interval: float = 0.1,
    ) -> Iterator[dict[str, Any]]:  # fmt: skip
        """``read()`` every ``interval`` seconds (each sample gets its time ``at``) until
        ``until(sample)`` holds -- that sample is the last one yielded."""
        deadline = time.monotonic() + timeout
        while True:
            sample = read() | {"at": time.monotonic()}
            yield sample
            if until(sample):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: not there within {timeout} s; the page shows {sample}")
            self.page.wait_for_timeout(interval * 1000)

    def wait_for(self, read: Callable[[], dict[str, Any]], until: Callable[[dict[str, Any]], bool],
                 timeout: float = 30) -> dict[str, Any]:  # fmt: skip
        *_, last = self.samples(read, until, timeout, interval=0.05)
        return last

    def screenshot(self, label: str = "") -> Path:
        path = self.shots / f"{self.name}{'-' + label if label else ''}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def end_of_stream_shift(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """How far the view's known text moved, and how much its height changed, from the first
    animation frame that showed the stream ended to the last one recorded (after a transcript
    swap, where the front end does one) -- and the frames' summary, to print."""
    done = [i for i, frame in enumerate(frames) if frame["state"] == "done"]
    if not done:
        raise AssertionError(f"no frame showed the end of the stream; the last: {frames[-1:]}")
    first, last = frames[done[0]], frames[-1]
    points = list(zip([*first["paragraphs"], first["footer"]], [*last["paragraphs"], last["footer"]], strict=False))
    moves = [abs(b - a) for a, b in points if a is not None and b is not None]
    return {
        "frames": len(frames),
        "swapped": first["live"] and not last["live"],
        "points": len(moves),
        "moved": max(moves, default=0.0),
        "height": (first["height"], last["height"]),
        "grew": abs(last["height"] - first["height"]),
    }
