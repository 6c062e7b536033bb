"""`bash scripts/lab.sh`, the headline command, run as a new user would: headless, possibly as root.

It must start JupyterLab on loopback with a token, print a URL that opens the quickstart, and
that URL must answer. The server is stopped (its whole process group) whatever happens.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
URL = re.compile(r"open the quickstart: (http://\S+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (Linux's /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def _read_lines(stream: object, out: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        out.put(line)


def _stop(proc: subprocess.Popen[str]) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.mark.slow
def test_lab_sh_serves_the_quickstart_on_loopback_with_a_token() -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "JUPYTER_TOKEN")}
    env["PORT"] = str(port)
    proc = subprocess.Popen(
        ["bash", "scripts/lab.sh"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: one killpg stops the script, Jupyter and kernels
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        url = None
        deadline = time.monotonic() + 300  # a changed pyproject.toml means a pip install first
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            match = URL.search(line)
            url = match.group(1) if match else None
        assert url is not None, f"lab.sh printed no URL (exit {proc.poll()}):\n{''.join(seen)}"

        assert url.startswith(f"http://127.0.0.1:{port}/lab/tree/00_quickstart.ipynb?token=")
        token = url.rsplit("token=", 1)[1]
        assert len(token) >= 32
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            page = response.read().decode()
        assert "<title>JupyterLab</title>" in page
        assert re.search(r'"treePath":\s*"00_quickstart.ipynb"', page), "the page does not open the quickstart"

        # The token is on: without it the API refuses.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/00_quickstart.ipynb", timeout=10)
        refused.value.close()
        assert refused.value.code == 403
        # Loopback only.
        addresses = _listening_addresses(port)
        if addresses:
            assert addresses <= {"0100007F", "00000000000000000000000001000000"}, addresses
        output = "".join(seen)
        if os.geteuid() == 0:
            assert "running as root: passing --allow-root" in output
        assert "!!" not in output, output  # no set-up banners (setuptools' editable-install warning)
        assert "*****" not in output, output
        assert token not in output.replace(url, ""), "the token is printed only inside the URL"
        shown = url.replace(token, token[:4] + "…")
        print(f"lab.sh printed {shown}: 200, the quickstart's page; 403 without the token; listening on {addresses}")
    finally:
        _stop(proc)
        reader.join(5)
        assert proc.stdout is not None
        proc.stdout.close()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "the server is still running after the test"


@pytest.mark.parametrize(("status", "expected"), [(0, 0), (5, 1), (2, 2)])
def test_ci_run_fails_when_pytest_collects_nothing(tmp_path: Path, status: int, expected: int) -> None:
    """`.ci/run` runs scripts/test.sh and says so; pytest's 5 (no tests collected) is a failure."""
    (tmp_path / ".ci").mkdir()
    (tmp_path / "scripts").mkdir()
    (tmp_path / ".ci" / "run").write_text((ROOT / ".ci" / "run").read_text())
    (tmp_path / "scripts" / "test.sh").write_text(f'echo "test.sh got: $*"; exit {status}\n')
    done = subprocess.run(["bash", ".ci/run", "-k", "x"], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert done.returncode == expected
    assert "== .ci/run: bash scripts/test.sh -k x" in done.stdout
    assert "test.sh got: -k x" in done.stdout
    assert ("collected no tests" in done.stderr) == (status == 5)
