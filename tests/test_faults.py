"""Faults: the app killed mid-save, a diverging run, a crash inside the training thread, a full disk,
and a restart after a crash that resumes exactly.

Proven elsewhere and not repeated here: SIGKILL of a process looping saves of a 50 MB checkpoint
(tests/test_checkpoints.py::test_sigkill_during_repeated_saves_leaves_a_valid_checkpoint), a save
cut between its two renames (…::test_save_cut_between_the_two_renames_keeps_the_previous_checkpoint),
the runner reporting a failed start and starting again (tests/test_runner.py).
"""

from __future__ import annotations

import errno
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import torch
from gradio_client import Client
from gradio_client.exceptions import AppError
from polling import wait_for
from ports import free_port

from gan_explorer import checkpoints, data, zoo
from gan_explorer.checkpoints import load_checkpoint, load_resume_state, verify

ROOT = Path(__file__).resolve().parent.parent


def launch_app(runs: Path) -> tuple[subprocess.Popen, str]:
    """`python app.py` in its own process group, so that SIGKILL takes nothing else with it."""
    port = free_port()
    env = {**os.environ, "GAN_EXPLORER_RUNS": str(runs), "GRADIO_ANALYTICS_ENABLED": "False"}
    log = open(runs.parent / f"app-{port}.log", "w")  # noqa: SIM115 - the child writes it until it dies
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"

    def answers() -> bool:
        assert process.poll() is None, (runs.parent / f"app-{port}.log").read_text()[-2000:]
        try:
            urllib.request.urlopen(url, timeout=2)
            return True
        except OSError:
            return False

    wait_for(answers, timeout=120, interval=0.3)
    return process, url


# ---------------------------------------------------------------- kill -9 during a save


def kill_during_saves(tmp_path: Path, seed: int) -> None:
    runs = tmp_path / "runs"
    runs.mkdir(parents=True)
    process, url = launch_app(runs)
    try:
        client = Client(url, verbose=False)
        # the zoo's largest model: 7 MB of weights and 21 MB of resume state per save
        client.predict("dcgan-faces", 2e-4, 2e-4, 1, 32, 1_000_000, 0, api_name="/train_start")
        wait_for(lambda: client.predict(api_name="/train_status")["status"] == "running", timeout=120)
        client.predict(api_name="/train_pause")  # a paused run saves to the same name again and again
        step = client.predict(api_name="/train_status")["step"]
        stem = runs / f"dcgan-faces-step{step}"
        saves = {"done": 0}

        def save_forever() -> None:
            try:
                while True:
                    client.predict(api_name="/train_save")
                    saves["done"] += 1
            except Exception:  # the server died under it: that is the point
                return

        threading.Thread(target=save_forever, daemon=True).start()
        wait_for(lambda: saves["done"] >= 1, timeout=60)
        # strike while a save is writing: a temp file (weights, metadata or resume state) is on disk,
        # then a random few milliseconds more, so the kill lands at a different point of the write each time
        wait_for(lambda: list(runs.glob(".*.tmp")), timeout=60, interval=0.001)
        time.sleep(random.Random(seed).uniform(0.0, 0.05))
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # no handler, no cleanup: as a power cut would leave it
        process.wait(10)
    meta, _ = load_checkpoint(stem, zoo.create("dcgan-faces"), expected_entry="dcgan-faces")
    verify(stem)
    assert meta["step"] == step
    resume = load_resume_state(Path(f"{stem}.resume.pt"))
    assert resume["step"] == step and set(resume) >= {"model", "optimizer_g", "optimizer_d", "rng_data"}
    assert saves["done"] >= 1


@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow), pytest.param(2, marks=pytest.mark.slow),
                                  pytest.param(3, marks=pytest.mark.slow), pytest.param(4, marks=pytest.mark.slow)])
def test_app_killed_during_a_save_leaves_a_checkpoint_that_loads(tmp_path, seed):
    kill_during_saves(tmp_path, seed)


# ---------------------------------------------------------------- faults inside the running app


@pytest.fixture(scope="module")
def client(app_url) -> Client:
    return Client(app_url, verbose=False)


def test_a_diverging_run_pauses_with_a_reason_and_the_app_stays_up(client, app_url):
    """sine-gan at 1,000 × its learning rates: the losses explode within a few steps."""
    client.predict(api_name="/train_reset")
    try:
        client.predict("sine-gan", 1.0, 1.0, 1, 64, 100_000, 0, api_name="/train_start")
        status = wait_for(lambda: (s := client.predict(api_name="/train_status"))["status"] == "paused" and s,
                          timeout=60)
        assert "diverged" in status["reason"] and "Lower the learning rates" in status["reason"]
        client.predict(1e-3, 1e-3, 1, 64, api_name="/train_update")  # the advice, followed
        client.predict(api_name="/train_resume")
        wait_for(lambda: client.predict(api_name="/train_status")["step"] > status["step"] + 50, timeout=60)
        assert client.predict(api_name="/train_status")["status"] == "running"
        assert urllib.request.urlopen(app_url + "gan/latent.png?entry=dcgan-mnist&seed=1", timeout=30).status == 200
    finally:
        client.predict(api_name="/train_reset")


@pytest.fixture(scope="module")
def inprocess(tmp_path_factory):
    """The app served in this process, so a fault can be planted inside it (the data source, the disk)."""
    from gan_explorer.ui import builder, routes, state
    from gan_explorer.ui.strings import I18N

    runs = tmp_path_factory.mktemp("inprocess-runs")
    saved_out, saved_load = state.RUNNER.out_dir, state.RUNNER._load_data
    state.RUNNER.out_dir = runs
    demo = builder.build_demo()
    demo.queue(default_concurrency_limit=2)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                            show_error=True, i18n=I18N, app_kwargs={"routes": routes.routes()})
    yield Client(url, verbose=False), state, runs
    state.RUNNER.reset()
    state.RUNNER.out_dir, state.RUNNER._load_data = saved_out, saved_load
    demo.close()


class FailingSource:
    """A dataset whose batch number `fail_at` raises, as a broken disk or a bug in a data loader would."""

    def __init__(self, inner, fail_at: int):
        self.inner, self.fail_at, self.calls = inner, fail_at, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def to(self, device):  # the trainer moves its data source to its device: stay in the way
        self.inner = self.inner.to(device)
        return self

    def sample(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.fail_at:
            raise OSError("the data disk went away")
        return self.inner.sample(*args, **kwargs)


def test_an_exception_in_the_training_thread_is_shown_and_the_next_start_works(inprocess):
    from gan_explorer.ui import trainview

    client, state, _ = inprocess
    sources = []

    def failing_load(name, split):
        sources.append(FailingSource(data.load(name, split), fail_at=30 if not sources else -1))
        return sources[-1]

    state.RUNNER._load_data = failing_load
    client.predict(api_name="/train_reset")
    client.predict("ring-gan", 1e-3, 1e-3, 1, 64, 100_000, 0, api_name="/train_start")
    status = wait_for(lambda: (s := client.predict(api_name="/train_status"))["status"] == "error" and s, timeout=60)
    assert "OSError: the data disk went away" in status["reason"] and status["step"] > 0
    shown = trainview.status_text(state.RUNNER.snapshot(), "en")
    assert "the data disk went away" in shown, "the Train tab's status line says what happened"
    client.predict("ring-gan", 1e-3, 1e-3, 1, 64, 200, 0, api_name="/train_start")
    assert wait_for(lambda: client.predict(api_name="/train_status")["status"] == "finished", timeout=60)
    client.predict(api_name="/train_reset")


def test_disk_full_on_save_is_a_clear_error_and_the_old_checkpoint_stays(inprocess, monkeypatch):
    client, state, runs = inprocess
    client.predict(api_name="/train_reset")  # whatever an earlier test left behind
    client.predict("ring-gan", 1e-3, 1e-3, 1, 64, 100_000, 0, api_name="/train_start")
    wait_for(lambda: client.predict(api_name="/train_status")["step"] > 5, timeout=60)
    client.predict(api_name="/train_pause")
    client.predict(api_name="/train_save")
    stem = next(runs.glob("ring-gan-step*.safetensors")).with_suffix("")
    before = {p.name: p.read_bytes() for p in runs.iterdir()}

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # the write is accepted, the flush to disk fails; same step, same name: the old files are the target
    monkeypatch.setattr(checkpoints.os, "fsync", no_space)
    with pytest.raises(AppError, match=re.escape("Could not save the checkpoint (No space left on device); "
                                                 "any checkpoint saved before is unchanged")):
        client.predict(api_name="/train_save")
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in runs.iterdir()}
    assert after == before, "no temp file left behind, nothing half-written"
    meta, _ = load_checkpoint(stem, zoo.create("ring-gan"), expected_entry="ring-gan")
    assert meta["step"] == int(stem.name.rsplit("step", 1)[1])
    assert client.predict(api_name="/train_status")["status"] == "paused", "the run itself carries on"
    client.predict(api_name="/train_reset")


# ---------------------------------------------------------------- restart after a crash


def cli_train(out: Path, resume: bool = False) -> subprocess.Popen:
    args = [sys.executable, "-m", "gan_explorer", "train", "ring-gan", "--steps", "300", "--batch-size", "32",
            "--checkpoint-every", "25", "--out", str(out)]
    return subprocess.Popen(args + (["--resume"] if resume else []), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_restart_after_a_crash_resumes_exactly(tmp_path):
    """Killed with SIGKILL after its checkpoint at step ≥ 100, restarted with --resume: the end is the same
    run, to the last bit, as one that was never interrupted (weights, Adam moments, step, data stream)."""
    straight = cli_train(tmp_path / "straight")
    crashed = cli_train(tmp_path / "crashed")
    for line in crashed.stdout:  # tqdm writes "checkpoint: PATH (step N)" after each save
        if (found := re.search(r"\(step (\d+)\)", line)) and int(found.group(1)) >= 100:
            break
    crashed.kill()
    crashed.wait(10)
    assert load_resume_state(tmp_path / "crashed.resume.pt")["step"] < 300, "killed before the end"
    resumed = cli_train(tmp_path / "crashed", resume=True)
    output = resumed.communicate(timeout=300)[0]
    assert resumed.returncode == 0 and "resumed" in output, output[-1000:]
    straight.communicate(timeout=300)
    a, b = load_resume_state(tmp_path / "straight.resume.pt"), load_resume_state(tmp_path / "crashed.resume.pt")
    assert a["step"] == b["step"] == 300
    for key in a["model"]:
        torch.testing.assert_close(a["model"][key], b["model"][key], rtol=0, atol=1e-6, msg=key)
    for name in ("optimizer_g", "optimizer_d"):
        for index, moments in a[name]["state"].items():
            for key, value in moments.items():
                torch.testing.assert_close(value, b[name]["state"][index][key], rtol=0, atol=1e-6)
    assert torch.equal(a["rng_data"], b["rng_data"]) and torch.equal(a["rng_noise"], b["rng_noise"])
