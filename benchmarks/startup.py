"""Start-up time and resident memory of the app.

    python benchmarks/startup.py [--starts 5]

Each start runs ``python app.py`` on a free port and times it from the launch to the first
page served (HTTP 200 on /), then reads the server's resident memory (VmRSS of the process
and its children, from /proc). On the last start, headless Chromium opens the page and
visits every tab once, waiting on each for its pictures (which loads that tab's models
and data); the memory is read again after that. Figures are medians over the starts.
Goals on this 2-core machine: first page ≤ 8 s, resident memory ≤ 1.5 GB.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABS = {"Latent explorer": "tab-latent", "Conditional": "tab-conditional", "Mode collapse": "tab-collapse",
        "Train": "tab-train"}
TAB_SETTLE_S = 90.0  # the most a tab may take to draw its pictures (the machine is shared)
# a tab has been used once it shows a picture: its model sampled, its data read, its figures measured
PICTURE_SHOWN = ("id => [...document.getElementById(id).querySelectorAll('img')]"
                 ".some(e => e.getBoundingClientRect().width > 40 && e.complete && e.naturalWidth > 0)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
        todo += _children(current)
    return total


def start_app(workdir: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    env = {**os.environ, "GAN_EXPLORER_RUNS": str(workdir / "runs"), "GRADIO_ANALYTICS_ENABLED": "False"}
    url = f"http://127.0.0.1:{port}/"
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.05)
    return process, url, time.perf_counter() - start


def visit_every_tab(url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        page.goto(url, wait_until="load")
        page.wait_for_selector("#tab-train", state="visible", timeout=60_000)
        for name, tab in TABS.items():
            page.get_by_role("tab", name=name).click()
            page.wait_for_selector(f"#{tab}", state="visible")
            if tab == "tab-train":  # used = a run started, trained until its samples show, stopped
                page.click("#train-start")
            page.wait_for_function(PICTURE_SHOWN, arg=tab, timeout=TAB_SETTLE_S * 1000)
            if tab == "tab-train":
                page.click("#train-stop")
            time.sleep(1.0)  # let the tab's remaining events land
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    first_page, rss_started, rss_used = [], [], None
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.starts):
            process, url, seconds = start_app(Path(tmp))
            try:
                time.sleep(0.5)  # what the server holds once idle, not mid-allocation
                first_page.append(seconds)
                rss_started.append(rss_bytes(process.pid))
                line = f"start {i + 1}: first page {seconds:.2f} s, resident {rss_started[-1] / 2**20:.0f} MiB"
                if i == args.starts - 1:
                    visit_every_tab(url)
                    rss_used = rss_bytes(process.pid)
                    line += f"; after every tab {rss_used / 2**20:.0f} MiB"
                print(line, flush=True)
            finally:
                process.terminate()
                process.wait(20)
    print(f"median of {args.starts}: first page {statistics.median(first_page):.2f} s (goal ≤ 8 s), "
          f"resident after start {statistics.median(rss_started) / 2**20:.0f} MiB, "
          f"after every tab {rss_used / 2**20:.0f} MiB (goal ≤ 1536 MiB)")


if __name__ == "__main__":
    main()
