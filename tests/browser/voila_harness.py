"""The Voilà harness: ``voila FOLDER`` and a page object for the replay dashboard.

:class:`VoilaServer` serves a temporary folder (tests copy notebooks into ``.root``) on 127.0.0.1
and a free port, with fresh Jupyter config, data and runtime folders, and no browser. Voilà runs
a notebook's cells when its page is requested and renders the outputs with JupyterLab's widget
manager, so a widget view is plain DOM here (no shadow root); the kernel lives while the page
is open and answers the widgets' events -- the dashboard's Replay button runs ``replay`` in its
click handler, the view streams while that handler blocks.

:class:`Dashboard` drives ``examples/voila_dashboard.ipynb`` as a person would: choose the
fixture in its drop-down, type a speed into the slider's readout, press Replay.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page

from .frontends import FrontEndPage, ServerProcess


class VoilaServer(ServerProcess):
    """``python -m voila ROOT`` -- a page per notebook at ``/voila/render/NAME``."""

    name = "Voilà"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "voila", str(self.root), "--no-browser",
            "--Voila.ip=127.0.0.1", f"--Voila.port={self.port}", "--Voila.port_retries=0",
            "--Voila.show_tracebacks=True",  # a failing cell says why on the page, not only in the log
        ]  # fmt: skip

    def env(self) -> dict[str, str]:
        dirs = {name: self.base / "jupyter" / name for name in ("config", "data", "runtime", "ipython")}
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        return {
            **super().env(),
            "JUPYTER_CONFIG_DIR": str(dirs["config"]),
            "JUPYTER_DATA_DIR": str(dirs["data"]),
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "JUPYTER_PLATFORM_DIRS": "1",
            "IPYTHONDIR": str(dirs["ipython"]),
        }

    def add(self, source: Path) -> str:
        """Copy a notebook into the served folder; its name."""
        (self.root / source.name).write_bytes(source.read_bytes())
        return source.name

    def page_url(self, name: str, theme: str | None = None) -> str:
        """A notebook's page; ``theme`` (``light`` or ``dark``) overrides the server's, as Voilà's
        ``allow_theme_override`` (default ``YES``) lets ``?theme=`` do -- one server for both."""
        return f"{self.url}/voila/render/{name}" + (f"?theme={theme}" if theme else "")


class Dashboard(FrontEndPage):
    """The replay dashboard in one page: its controls, and the summary under the view."""

    def __init__(self, page: Page, server: VoilaServer, shots: Path, name: str) -> None:
        super().__init__(page, shots, f"voila-{name}")
        self.server = server

    def open(self, notebook: str, theme: str | None = None, timeout: float = 60) -> None:
        """Load the page (in ``theme``) and wait until its kernel ran the notebook: the Replay button is there."""
        self.page.goto(self.server.page_url(notebook, theme), timeout=timeout * 1000)
        self.button.wait_for(timeout=timeout * 1000)

    @property
    def button(self) -> Locator:
        return self.page.get_by_role("button", name="Replay")

    def choose(self, fixture: str) -> None:
        self.page.get_by_role("combobox").select_option(fixture)

    def set_speed(self, speed: float) -> str:
        """Type the speed into the slider's editable readout and press Enter; the readout after."""
        readout = self.page.locator(".widget-readout")
        readout.click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.type(f"{speed}")
        self.page.keyboard.press("Enter")
        return readout.inner_text()

    def replay(self) -> None:
        self.button.click()

    def summary(self) -> dict[str, Any]:
        """The dashboard's own line under the view, and whether Replay can be pressed again."""
        text = self.page.locator(".widget-html").filter(has_text=re.compile("Final message|Replay failed"))
        return {
            "summary": text.first.inner_text() if text.count() else None,
            "ready": self.button.is_enabled(),
        }
