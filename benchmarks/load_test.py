"""Load: N concurrent clients drive the latent sliders and generation against the launched app while a
training run goes on; prints requests served, errors, p50 / p95 latency and the app's resident memory.

    python benchmarks/load_test.py                      # 20 clients, 60 s, launches `python app.py` itself
    python benchmarks/load_test.py --clients 5 --seconds 10 --url http://127.0.0.1:7860/ --pid 1234

Each client is a thread that loops until the deadline (a bounded loop). Three in four requests are slider
moves: GET /gan/latent.png with fresh random slider values (the fast route the page uses while a slider is
dragged); one in four is a generation through the Gradio queue (gradio_client, /generate, or /conditional
for a class grid). Memory is the app process's VmRSS, read after a warm-up (every model loaded once,
training started) and again at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
from gradio_client import Client

ROOT = Path(__file__).resolve().parent.parent
SLIDER_ENTRIES = {"dcgan-mnist": 8, "cgan-mnist": 8, "mnist-mlp-improved": 8, "vae-mnist": 8, "wgan-gp-mnist": 8}
TRAINING = ("ring-gan", 1e-3, 1e-3, 1, 64, 1_000_000, 0)  # the run that goes on underneath


@dataclass
class Report:
    clients: int
    seconds: float
    requests: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    p50_ms: dict[str, float] = field(default_factory=dict)
    p95_ms: dict[str, float] = field(default_factory=dict)
    max_ms: dict[str, float] = field(default_factory=dict)
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0
    rss_growth_pct: float = 0.0
    training_steps: int = 0  # steps the run made during the test: it kept going under load
    rss_timeline_mb: list[float] = field(default_factory=list)  # every 10 s: a leak climbs, a warm-up levels off


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_app(runs: Path) -> tuple[subprocess.Popen, str]:
    """`python app.py` on a free loopback port; returns once it answers."""
    port = free_port()
    env = {**os.environ, "GAN_EXPLORER_RUNS": str(runs), "GRADIO_ANALYTICS_ENABLED": "False"}
    log = open(runs.parent / "app.log", "w")  # noqa: SIM115 - the child writes it while it runs
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited: {(runs.parent / 'app.log').read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return process, url
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("app.py did not answer within 180 s") from None
            time.sleep(0.5)


def slider_query(rng: random.Random) -> dict[str, str]:
    entry = rng.choice(list(SLIDER_ENTRIES))
    query = {"entry": entry, "seed": str(rng.randrange(100_000)),
             "dims": ",".join(f"{rng.uniform(-3, 3):.2f}" for _ in range(SLIDER_ENTRIES[entry]))}
    if entry == "cgan-mnist":
        query["label"] = str(rng.randrange(10))
    return query


def _client_loop(url: str, index: int, deadline: float, record) -> None:
    rng = random.Random(index)
    http = httpx.Client(timeout=60)
    gradio = Client(url, verbose=False)
    while time.monotonic() < deadline:
        kind = "slider" if rng.random() < 0.75 else "generate"
        start = time.perf_counter()
        try:
            if kind == "slider":
                response = http.get(url + "gan/latent.png?" + urlencode(slider_query(rng)))
                if response.status_code != 200 or response.content[:4] != b"\x89PNG":
                    raise RuntimeError(f"HTTP {response.status_code}: {response.text[:100]}")
            elif rng.random() < 0.5:
                gradio.predict("dcgan-mnist", rng.randrange(100_000), [rng.uniform(-2, 2)], [], 0,
                               api_name="/generate")
            else:
                gradio.predict("cgan-mnist", rng.randrange(10), rng.randrange(1000), 16, api_name="/conditional")
            record(kind, time.perf_counter() - start, None)
        except Exception as exc:  # counted, never fatal: the point is to see whether any happen
            record(kind, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"[:200])
    http.close()


def run_load(url: str, pid: int, clients: int = 20, seconds: float = 60.0, train: bool = True) -> Report:
    control = Client(url, verbose=False)
    if train:
        control.predict(api_name="/train_reset")
        control.predict(*TRAINING, api_name="/train_start")
    # warm-up: every model loaded once, so the memory baseline is the steady state, not an empty cache
    http = httpx.Client(timeout=120)
    for entry in SLIDER_ENTRIES:
        http.get(url + "gan/latent.png?" + urlencode({"entry": entry, "seed": 0})).raise_for_status()
    control.predict("dcgan-mnist", 0, [], [], 0, api_name="/generate")
    control.predict("cgan-mnist", 0, 0, 16, api_name="/conditional")
    http.close()
    step_start = control.predict(api_name="/train_status")["step"]
    report = Report(clients=clients, seconds=seconds, rss_start_mb=round(rss_mb(pid), 1))

    lock = threading.Lock()
    latencies: dict[str, list[float]] = {"slider": [], "generate": []}

    def record(kind: str, elapsed: float, error: str | None) -> None:
        with lock:
            if error is None:
                latencies[kind].append(elapsed)
            else:
                report.errors[kind] = report.errors.get(kind, 0) + 1
                if len(report.error_examples) < 5:
                    report.error_examples.append(error)

    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=_client_loop, args=(url, i, deadline, record), daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    while time.monotonic() < deadline:
        time.sleep(min(10.0, max(0.0, deadline - time.monotonic())))
        report.rss_timeline_mb.append(round(rss_mb(pid), 1))
    for thread in threads:
        thread.join(seconds + 120)  # a request in flight at the deadline may finish late
    status = control.predict(api_name="/train_status")
    report.training_steps = status["step"] - step_start
    if train and status["status"] != "running":
        report.error_examples.append(f"training is {status['status']}: {status['reason']}")
        report.errors["training"] = 1
    report.rss_end_mb = round(rss_mb(pid), 1)
    report.rss_growth_pct = round(100 * (report.rss_end_mb / report.rss_start_mb - 1), 1)
    for kind, values in latencies.items():
        report.requests[kind] = len(values)
        if values:
            ordered = sorted(values)
            report.p50_ms[kind] = round(1000 * statistics.median(ordered), 1)
            report.p95_ms[kind] = round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)
            report.max_ms[kind] = round(1000 * ordered[-1], 1)
    if train:
        control.predict(api_name="/train_reset")
    return report


def print_report(report: Report) -> None:
    total = sum(report.requests.values())
    errors = sum(report.errors.values())
    print(f"{report.clients} clients for {report.seconds:.0f} s, training underneath "
          f"({report.training_steps} training steps meanwhile)")
    print(f"requests served: {total} ({total / report.seconds:.1f}/s), errors: {errors}")
    for kind in report.requests:
        nan = float("nan")
        print(f"  {kind:9s} {report.requests[kind]:6d} served, {report.errors.get(kind, 0)} errors, "
              f"p50 {report.p50_ms.get(kind, nan):.1f} ms, p95 {report.p95_ms.get(kind, nan):.1f} ms, "
              f"max {report.max_ms.get(kind, nan):.1f} ms")
    print(f"app resident memory: {report.rss_start_mb:.1f} MB after warm-up, {report.rss_end_mb:.1f} MB at the end "
          f"({report.rss_growth_pct:+.1f} %); every 10 s: {', '.join(f'{v:.0f}' for v in report.rss_timeline_mb)} MB")
    for example in report.error_examples:
        print(f"  error: {example}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--url", help="an app already running (default: launch one on loopback)")
    parser.add_argument("--pid", type=int, help="its process id, for the memory figures (with --url)")
    parser.add_argument("--no-training", action="store_true", help="leave the training run out")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    process = None
    if args.url:
        if args.pid is None:
            parser.error("--url needs --pid (the memory figures are the app's)")
        url, pid = args.url if args.url.endswith("/") else args.url + "/", args.pid
    else:
        runs = Path(tempfile.mkdtemp(prefix="gan-load-")) / "runs"
        process, url = launch_app(runs)
        pid = process.pid
    try:
        report = run_load(url, pid, args.clients, args.seconds, train=not args.no_training)
    finally:
        if process is not None:
            process.terminate()
            process.wait(30)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=2))
    return 0 if not report.errors else 1


if __name__ == "__main__":
    sys.exit(main())
