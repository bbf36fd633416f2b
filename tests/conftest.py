"""Fixtures that launch the real app: `python app.py --port P` in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ports import free_port

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 120.0


@dataclass(frozen=True)
class Served:
    url: str  # http://127.0.0.1:PORT/
    runs: Path  # where the app's Save button writes checkpoints


def _serve(flags: list[str], workdir: Path) -> Iterator[Served]:
    """Start the app on a free port, wait until it answers, yield it, stop it."""
    port = free_port()
    log_path = workdir / "app.log"
    runs = workdir / "runs"
    env = {**os.environ, "GAN_EXPLORER_RUNS": str(runs), "GRADIO_ANALYTICS_ENABLED": "False"}
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "app.py", "--port", str(port), *flags], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"app.py exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"app.py did not answer within {STARTUP_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
        yield Served(url, runs)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[Served]:
    """The full app (training allowed); its runs and checkpoints go to a temporary directory."""
    yield from _serve([], tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="session")
def app_url(app_server: Served) -> str:
    return app_server.url


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory) -> Iterator[Served]:
    """The read-only app (--demo)."""
    yield from _serve(["--demo"], tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def demo_url(demo_server: Served) -> str:
    return demo_server.url


DEMO_LOGIN = ("visitor", "correct-horse")


@pytest.fixture(scope="session")
def demo_auth_url(tmp_path_factory) -> Iterator[str]:
    """The read-only app behind a login (--demo --auth visitor:correct-horse)."""
    for served in _serve(["--demo", "--auth", ":".join(DEMO_LOGIN)], tmp_path_factory.mktemp("demo-auth")):
        yield served.url
