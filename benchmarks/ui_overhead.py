"""What watching costs: training speed inside the app, with a page open and its plots polling, against the CLI.

    OMP_NUM_THREADS=1 python benchmarks/ui_overhead.py [--entry dcgan-mnist] [--windows 3] [--seconds 20]

The script starts ``python app.py``, opens it in headless Chromium on the Train tab (whose
1-second timer polls the run and redraws the loss plots, the D(x) plot and the samples while
the page is open), and starts the entry's run through the public API (gradio_client). It then
alternates windows: the app's run is resumed for ``--seconds``, then paused while
``python -m gan_explorer train ENTRY`` trains about as long on its own.

The rate that counts is training steps per CPU-second: for the app, steps (from the run's own
counter, the train_status endpoint) over the CPU time of the whole server process, so every
cycle spent serving the page's polls and drawing its plots is charged to training; for the
CLI, steps over the CPU time of its loop (its process's CPU minus that of a 1-step run, which
pays the same imports, data loading and saving). On a machine shared with other jobs, wall
clock rates swing by ±50% from window to window with the neighbours' load; they are printed
too. The browser's own CPU is not counted (on a laptop it runs beside the app).

The app and the CLI inherit this script's environment, so both train with the same torch
threads (on a machine shared with other jobs, give them one: OpenMP threads that wait on each
other on oversubscribed cores slow both ten-fold). The ratio is app / CLI, median over the
windows. Goal: ≥ 0.95.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# runnable as `python benchmarks/ui_overhead.py` from a checkout: the package, and startup.py beside this file
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

from startup import ROOT, start_app  # noqa: E402

from gan_explorer import zoo  # noqa: E402


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, every thread included (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(entry: str, steps: int, out: Path) -> tuple[float, float]:
    """(CPU seconds of the whole CLI process, the steps/s its last line reports)."""
    before = children_cpu_seconds()
    done = subprocess.run([sys.executable, "-m", "gan_explorer", "train", entry, "--steps", str(steps),
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, check=True)
    return children_cpu_seconds() - before, float(re.search(r"\(([\d.]+) steps/s\)", done.stdout).group(1))


def cli_rates(entry: str, steps: int, out: Path, overhead_cpu: float) -> tuple[float, float]:
    """(steps per CPU-second of the training loop, steps per wall second) of the CLI."""
    cpu, wall_rate = run_cli(entry, steps, out)
    return (steps - 1) / (cpu - overhead_cpu), wall_rate


def app_rates(client, pid: int, seconds: float) -> tuple[float, float]:
    """(steps per CPU-second of the whole server: training, the page's polls, everything; steps per wall second)."""
    client.predict(api_name="/train_resume")
    time.sleep(2.0)  # past the resume, with the page's redraws of the new state under way
    first = client.predict(api_name="/train_status")
    cpu0, t0 = process_cpu_seconds(pid), time.perf_counter()
    time.sleep(seconds)
    last = client.predict(api_name="/train_status")
    cpu1, t1 = process_cpu_seconds(pid), time.perf_counter()
    client.predict(api_name="/train_pause")
    steps = last["step"] - first["step"]
    return steps / (cpu1 - cpu0), steps / (t1 - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entry", default="dcgan-mnist")
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each app window")
    parser.add_argument("--cli-cpu-seconds", type=float, default=20.0, help="about how long each CLI loop runs")
    args = parser.parse_args()
    from gradio_client import Client
    from playwright.sync_api import sync_playwright

    cfg = zoo.entry(args.entry).train
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        process, url, _ = start_app(Path(tmp))
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            page = browser.new_page()
            page.goto(url, wait_until="load")
            page.wait_for_selector("#tab-train", state="visible", timeout=60_000)
            client = Client(url, verbose=False)
            client.predict(args.entry, cfg.lr_g, cfg.lr_d, cfg.n_critic, cfg.batch_size, 1_000_000, cfg.seed,
                           api_name="/train_start")
            while client.predict(api_name="/train_status")["status"] == "starting":
                time.sleep(0.2)
            client.predict(api_name="/train_pause")
            threads = os.environ.get("OMP_NUM_THREADS", "default")
            # what a CLI run costs besides its loop (imports, data, checkpoint, grid): a 1-step run's CPU
            overhead = statistics.median(run_cli(args.entry, 1, Path(tmp) / "cli" / args.entry)[0] for _ in range(3))
            print(f"{args.entry}, batch {cfg.batch_size}, {os.cpu_count()} cores, torch threads: {threads}; "
                  f"{args.windows} alternating windows; CLI start-up and save: {overhead:.1f} CPU-s", flush=True)
            cpu_ratios, wall_ratios = [], []
            for window in range(args.windows):
                app_cpu, app_wall = app_rates(client, process.pid, args.seconds)
                steps = max(int(app_cpu * args.cli_cpu_seconds), 100)
                cli_cpu, cli_wall = cli_rates(args.entry, steps, Path(tmp) / "cli" / args.entry, overhead)
                cpu_ratios.append(app_cpu / cli_cpu)
                wall_ratios.append(app_wall / cli_wall)
                b = cfg.batch_size
                print(f"  window {window + 1}: per CPU-second app {app_cpu * b:6.0f} img, CLI {cli_cpu * b:6.0f} img, "
                      f"ratio {cpu_ratios[-1]:.3f} · per wall second app {app_wall * b:6.0f}, CLI {cli_wall * b:6.0f}, "
                      f"ratio {wall_ratios[-1]:.3f}", flush=True)
            print(f"median ratio app (page open, plots polling) / CLI: {statistics.median(cpu_ratios):.3f} "
                  f"per CPU-second (goal ≥ 0.95), {statistics.median(wall_ratios):.3f} per wall second "
                  "(shared machine: noisy)")
        finally:
            browser.close()
            process.terminate()
            process.wait(20)


if __name__ == "__main__":
    main()
