"""Latent slider to picture, in a real browser: p50 / p95 over real mouse drags, both drawing paths.

    python benchmarks/slider_latency.py [--moves 120] [--entry dcgan-mnist] [--train dcgan-mnist]

Starts `python app.py` on a free port, opens it in headless Chromium (Debian's
/usr/bin/chromium through Playwright), and drags the z[i] sliders of the latent explorer
with the mouse. Each move is timed in the page (gan_explorer/ui/static/live.js): from the
input event's timestamp to the end of the frame that paints the new picture (an animation
frame after the picture is in place, then a message handled after that frame's paint).
Two paths, in alternating blocks of 20 moves so both meet the same machine load:
- page: the page runs the exported generator itself (static/generator.js) and draws into a
  canvas; no server round trip. The generator's own share (latent + network + pixels) is
  reported too;
- server: the <img> is pointed at the PNG route /gan/latent.png (the fallback path).
Measured twice: idle, and while the server trains `--train` in the background (the app's
own runner, as a visitor would start it). The same pictures through a plain Gradio event
(the public `generate` endpoint, via gradio_client) are timed in the same run for scale.
Each condition's label carries the machine's 1-minute load average when it ended: on a
shared machine the "idle" app is not an idle computer.
"""

from __future__ import annotations

import argparse
import os
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


def drag(page, moves: int, rng: random.Random, path: str) -> tuple[list[float], list[dict]]:
    """Real mouse drags over the z sliders; (latency, stages) per move that changed the value.

    stages (page path only): ms from the input event to its handler, to the animation frame
    that draws, to the picture in place, and the generator's own time (latent, network, pixels).

    path: 'page' (the page draws) or 'server' (the PNG route). A move shown by the other path
    (the page's generator not loaded yet) is an error, not a sample."""
    page.evaluate(f"window.__ganSliderPath = {'auto' if path == 'page' else 'server'!r}")
    timings: list[float] = []
    stages: list[dict] = []
    while len(timings) < moves:
        slider = page.locator(f"#latent-dim-{rng.randrange(8)} input[type=range]")
        box = slider.bounding_box()
        y = box["y"] + box["height"] / 2
        x = box["x"] + rng.uniform(0.1, 0.9) * box["width"]
        page.mouse.move(x, y)
        pressed = page.evaluate("window.__ganLatency.length")
        page.mouse.down()
        try:  # pressing on the track jumps the value: let that picture land, untimed (a click, not a drag)
            page.wait_for_function(f"window.__ganLatency.length > {pressed}", timeout=500)
        except Exception:  # pressed where the value already was
            pass
        for _ in range(10):  # one drag: ten moves, each waiting for its picture
            before = page.evaluate("window.__ganLatency.length")
            x = box["x"] + rng.uniform(0.02, 0.98) * box["width"]
            page.mouse.move(x, y, steps=1)
            try:
                page.wait_for_function(f"window.__ganLatency.length > {before}", timeout=5000)
            except Exception:  # the value did not change (same pixel): nothing to time
                continue
            ms, shown = page.evaluate("[window.__ganLatency[window.__ganLatency.length - 1], window.__ganLastShown]")
            if shown["path"] != path:
                raise RuntimeError(f"asked for the {path} path, the picture came by the {shown['path']} path")
            timings.append(ms)
            if path == "page":
                stages.append(shown)
            if len(timings) >= moves:
                break
        page.mouse.up()
        time.sleep(0.2)  # let the release settle before the next drag
    return timings, stages


def alternating(page, moves: int, rng: random.Random, block: int = 20) -> dict[str, tuple[list, list]]:
    """Both paths, in alternating blocks, so slow spells of the shared machine hit both alike."""
    out: dict[str, tuple[list, list]] = {"page": ([], []), "server": ([], [])}
    while len(out["server"][0]) < moves:
        for path in ("page", "server"):
            timings, stages = drag(page, min(block, moves - len(out[path][0])), rng, path)
            out[path][0].extend(timings)
            out[path][1].extend(stages)
    return out


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
            page.wait_for_function("(async () => { const box = document.querySelector('.live-view[data-model]');"
                                   " return box && await window.ganGenerator.load(box.dataset.model); })()",
                                   timeout=60_000)
            for path in ("page", "server"):  # warm-up: first renders, connection pool, JIT
                drag(page, 10, rng, path)

            paths = alternating(page, args.moves, rng)
            rows.append((f"idle (load {os.getloadavg()[0]:.1f})", paths,
                         gradio_event_baseline(url, args.entry, max(30, args.moves // 4), rng)))

            client.predict(args.train, 2e-4, 2e-4, 1, 64, 1_000_000, 0, api_name="/train_start")
            wait_for_training(client)
            first, started = client.predict(api_name="/train_status")["step"], time.monotonic()
            paths = alternating(page, args.moves, rng)
            rate = (client.predict(api_name="/train_status")["step"] - first) / (time.monotonic() - started)
            baseline_ms = gradio_event_baseline(url, args.entry, max(30, args.moves // 4), rng)
            client.predict(api_name="/train_stop")
            rows.append((f"training {args.train} ({rate:.1f} steps/s, load {os.getloadavg()[0]:.1f})", paths,
                         baseline_ms))
            browser.close()
    finally:
        app.terminate()
        app.wait(30)

    print(f"Slider -> picture in headless Chromium ({args.entry}; {args.moves} timed mouse moves per path and row)")
    header = (f"{'condition':50} {'path':7} {'n':>4} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}  "
              f"{'Gradio event p50 / p95 ms':>25}")
    print(header)
    print("-" * len(header))
    for condition, paths, slow in rows:
        for path, (timings, _) in paths.items():
            gradio = f"{statistics.median(slow):.1f} / {percentile(slow, 95):.1f}" if path == "page" and slow else ""
            print(f"{condition:50} {path:7} {len(timings):4d} {statistics.median(timings):7.1f} "
                  f"{percentile(timings, 95):7.1f} {max(timings):7.1f}  {gradio:>25}")
    print()
    print("Where the page path's time goes (ms after the input event, p50 / p95):")
    print(f"{'condition':50} {'handler runs':>13} {'frame starts':>13} {'drawn':>13} {'generator':>13} "
          f"{'painted':>13}")
    for condition, paths, _ in rows:
        timings, stages = paths["page"]
        cells = [[s[key] for s in stages] for key in ("handler", "frame", "drawn", "drawMs")] + [timings]
        print(f"{condition:50} " + " ".join(f"{statistics.median(c):5.1f} / {percentile(c, 95):5.1f}" for c in cells))


if __name__ == "__main__":
    main()
