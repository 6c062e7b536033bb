"""Fixtures for the browser tests: one Jupyter server and one Chromium for the whole session, a
fresh page (and notebook) per test, a screenshot of every test's final state.

Screenshots go to ``$CSN_SCREENSHOTS`` (default ``screenshots/browser`` in the checkout, which git
ignores); the folder and the server log are printed at the end of the run. Chromium is Debian's
``/usr/bin/chromium`` (``$CSN_CHROMIUM`` to use another); without it the tests are skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from .frontends import ServerProcess
from .harness import CHROMIUM, CHROMIUM_ARGS, REPO, JupyterServer, Notebook
from .marimo_harness import MarimoServer
from .voila_harness import VoilaServer

_REPORT = pytest.StashKey[dict[str, Path]]()
_S = TypeVar("_S", bound=ServerProcess)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests run last, after every other test and notebook: Playwright's sync API
    keeps an event loop running in the main thread while the browser lives, and other tests'
    ``asyncio.run`` cannot start while one runs. (A stable sort: each group keeps its order.)"""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def screenshots(pytestconfig: pytest.Config) -> Path:
    folder = Path(os.environ.get("CSN_SCREENSHOTS") or REPO / "screenshots" / "browser").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    pytestconfig.stash.setdefault(_REPORT, {})["browser screenshots"] = folder
    return folder


@pytest.fixture(scope="session")
def jupyter(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[JupyterServer]:
    server = JupyterServer(tmp_path_factory.mktemp("jupyter"))
    pytestconfig.stash.setdefault(_REPORT, {})["Jupyter server log"] = server.log_path
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def marimo(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[MarimoServer]:
    """``marimo run`` on a temporary folder of notebooks (tests write theirs into ``.root``)."""
    yield from _serve(MarimoServer(tmp_path_factory.mktemp("marimo")), pytestconfig)


@pytest.fixture(scope="session")
def voila(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[VoilaServer]:
    """Voilà on a temporary folder of notebooks (tests write theirs into ``.root``)."""
    yield from _serve(VoilaServer(tmp_path_factory.mktemp("voila")), pytestconfig)


def _serve(server: _S, pytestconfig: pytest.Config) -> Iterator[_S]:
    pytestconfig.stash.setdefault(_REPORT, {})[f"{server.name} server log"] = server.log_path
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; scripts/test.sh does it as root)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def context(browser: Browser) -> Iterator[BrowserContext]:
    """One context for the session: its HTTP cache makes every page load after the first quicker."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture
def ui() -> str:
    """The front end: ``lab`` (JupyterLab 4) or ``notebook`` (Notebook 7); tests parametrize it."""
    return "lab"


@pytest.fixture
def notebook(
    request: pytest.FixtureRequest, context: BrowserContext, jupyter: JupyterServer, screenshots: Path, ui: str
) -> Iterator[Notebook]:
    """A page for this test's notebook; afterwards a screenshot, and its kernel shut down."""
    name = re.sub(r"\W+", "-", f"{ui}-{request.node.originalname.removeprefix('test_')}").strip("-")
    page = context.new_page()
    notebook = Notebook(page, jupyter, ui, name, screenshots)
    try:
        yield notebook
    finally:
        try:
            notebook.screenshot()
        finally:
            page.close()
            jupyter.shut_down_kernel_of(notebook.path)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    for label, path in config.stash.get(_REPORT, {}).items():
        terminalreporter.write_line(f"{label}: {path}")
