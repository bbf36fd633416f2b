"""Latent slider to picture, in a real browser: p50 / p95 over real mouse drags.

    python benchmarks/slider_latency.py [--moves 120] [--entry dcgan-mnist] [--train dcgan-mnist]

Starts `python app.py` on a free port, opens it in headless Chromium (Debian's
/usr/bin/chromium through Playwright), and drags the z[i] sliders of the latent
explorer with the mouse. Each move is timed in the page (gan_explorer/ui/static/live.js):
from the input event's timestamp to the new picture decoded, swapped in and painted
(two animation frames later). Measured twice: idle, and while the server trains
`--train` in the background. The same pictures fetched through a plain Gradio event
(the public `generate` endpoint, via gradio_client) are timed in the same run as the
baseline, and the table reports the ratio.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("the app did not start within 120 s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def drag(page, moves: int, rng: random.Random) -> list[float]:
    """Real mouse drags over the z sliders; one timing per move that changed the value."""
    timings: list[float] = []
    done = 0
    while done < moves:
        slider = page.locator(f"#latent-dim-{rng.randrange(8)} input[type=range]")
        box = slider.bounding_box()
        y = box["y"] + box["height"] / 2
        x = box["x"] + rng.uniform(0.1, 0.9) * box["width"]
        page.mouse.move(x, y)
        page.mouse.down()
        for _ in range(10):  # one drag: ten moves, each waiting for its picture
            before = page.evaluate("window.__ganLatency.length")
            x = box["x"] + rng.uniform(0.02, 0.98) * box["width"]
            page.mouse.move(x, y, steps=1)
            try:
                page.wait_for_function(f"window.__ganLatency.length > {before}", timeout=5000)
            except Exception:  # the value did not change (same pixel): nothing to time
                continue
            timings.append(page.evaluate("window.__ganLatency[window.__ganLatency.length - 1]"))
            done += 1
            if done >= moves:
                break
        page.mouse.up()
        time.sleep(0.2)  # let the release settle before the next drag
    return timings


def gradio_event_baseline(url: str, entry: str, count: int, rng: random.Random) -> list[float]:
    """The same kind of picture through a plain Gradio event (queue, file, download)."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    timings = []
    for _ in range(count):
        dims = [round(rng.uniform(-3, 3), 2) for _ in range(8)]
        start = time.perf_counter()
        client.predict(entry, 0, dims, [0, 0, 0, 0, 0], 0, api_name="/generate")
        timings.append(1000 * (time.perf_counter() - start))
    return timings


def wait_for_training(client, steps: int = 20, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.predict(api_name="/train_status")
        if status["status"] == "running" and status["step"] >= steps:
            return status
        time.sleep(0.5)
    raise RuntimeError(f"training did not get going: {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moves", type=int, default=120, help="timed slider moves per condition (≥ 100)")
    parser.add_argument("--entry", default="dcgan-mnist", help="model in the latent explorer")
    parser.add_argument("--train", default="dcgan-mnist", help="entry trained in the background")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from gradio_client import Client
    from playwright.sync_api import sync_playwright

    rng = random.Random(args.seed)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    app = start_app(port)
    rows = []
    try:
        client = Client(url, verbose=False)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}?tab=latent&entry={args.entry}&seed=0", wait_until="load")
            page.wait_for_selector("#latent-live", timeout=120_000)
            page.wait_for_function("document.getElementById('latent-live').complete")
            drag(page, 10, rng)  # warm-up: first renders, connection pool, JIT

            for condition in ("idle", f"training {args.train}"):
                if condition != "idle":
                    client.predict(args.train, 2e-4, 2e-4, 1, 64, 1_000_000, 0, api_name="/train_start")
                    status = wait_for_training(client)
                browser_ms = drag(page, args.moves, rng)
                baseline_ms = gradio_event_baseline(url, args.entry, max(30, args.moves // 4), rng)
                rows.append((condition, browser_ms, baseline_ms))
                if condition != "idle":
                    status = client.predict(api_name="/train_status")
                    rows[-1] = (f"{condition} ({status['steps_per_s']:.1f} steps/s)", browser_ms, baseline_ms)
                    client.predict(api_name="/train_stop")
            browser.close()
    finally:
        app.terminate()
        app.wait(30)

    print(f"Slider -> picture in headless Chromium ({args.entry}; {args.moves} timed mouse moves per row)")
    header = (f"{'condition':38} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   "
              f"{'Gradio event p50 / p95 ms':>26} {'speed-up (p50)':>15}")
    print(header)
    print("-" * len(header))
    for condition, fast, slow in rows:
        print(f"{condition:38} {len(fast):4d} {statistics.median(fast):8.1f} {percentile(fast, 95):8.1f} "
              f"{max(fast):8.1f}   {statistics.median(slow):12.1f} / {percentile(slow, 95):<11.1f} "
              f"{statistics.median(slow) / statistics.median(fast):14.1f}x")


if __name__ == "__main__":
    main()
