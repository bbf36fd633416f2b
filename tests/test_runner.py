"""The background runner: pause / step / resume / stop, live settings, failures reported, restart works."""

from __future__ import annotations

import time

import pytest
from polling import wait_for

from gan_explorer import data
from gan_explorer.training.runner import TrainingRunner


@pytest.fixture
def runner(tmp_path):
    r = TrainingRunner(device="cpu", out_dir=tmp_path)
    yield r
    r.stop()


def test_pause_step_resume_stop(runner, tmp_path):
    runner.start("ring-gan", train_overrides={"log_every": 5, "batch_size": 32}, steps=100_000)
    wait_for(lambda: runner.snapshot().step >= 10)
    runner.pause()
    paused_at = runner.snapshot().step
    time.sleep(0.2)
    assert runner.snapshot().step == paused_at, "a paused run must not advance"

    metrics = runner.step("d")
    assert "d_loss" in metrics and "g_loss" not in metrics
    metrics = runner.step("g")
    assert "g_loss" in metrics and "d_loss" not in metrics
    runner.step("both")
    snap = runner.snapshot()
    assert snap.step == paused_at + 3
    assert snap.history["step"][-1] == snap.step, "single steps are plotted at once"

    settings = runner.update(lr_g=5e-4, batch_size=16)
    assert settings["lr_g"] == 5e-4 and settings["batch_size"] == 16
    path = runner.save(tmp_path / "manual")
    assert path.exists()

    runner.resume()
    wait_for(lambda: runner.snapshot().step > paused_at + 20)
    runner.stop()
    snap = runner.snapshot()
    assert snap.status == "stopped"
    assert len(snap.history["d_loss"]) == len(snap.history["step"]) > 2
    assert snap.samples is not None and snap.samples.shape[1] == 2


def test_run_finishes_and_reports_rate(runner):
    runner.start("pattern1010", steps=400, train_overrides={"log_every": 20})
    wait_for(lambda: runner.snapshot().steps_per_s > 0 or runner.snapshot().status == "finished")
    snap = wait_for(lambda: (s := runner.snapshot()).status == "finished" and s)
    assert snap.step == 400 and "400 steps" in snap.reason
    assert snap.frames[0][0] == 0 and snap.frames[-1][0] == 400


def test_exception_in_thread_is_reported_and_next_start_works(tmp_path):
    calls = {"n": 0}

    def flaky_load(name, split):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk on fire")
        return data.load(name, split)

    runner = TrainingRunner(device="cpu", out_dir=tmp_path, load_data=flaky_load)
    runner.start("ring-gan", steps=50)
    snap = wait_for(lambda: (s := runner.snapshot()).status == "error" and s)
    assert "disk on fire" in snap.reason
    runner.start("ring-gan", steps=50)
    assert wait_for(lambda: runner.snapshot().status == "finished")


def test_divergence_pauses_with_reason(runner):
    runner.start("ring-gan", steps=10_000, train_overrides={"lr_d": 10.0, "lr_g": 10.0, "optimizer": "sgd",
                                                             "divergence_threshold": 5.0, "sample_every": 5})
    snap = wait_for(lambda: (s := runner.snapshot()).status == "paused" and s)
    assert "diverged" in snap.reason and "Lower the learning rates" in snap.reason


def test_second_start_while_running_is_refused(runner):
    runner.start("ring-gan", steps=100_000)
    wait_for(lambda: runner.snapshot().status == "running")
    with pytest.raises(RuntimeError, match="already in progress"):
        runner.start("ring-gan")
    with pytest.raises(KeyError, match="unknown zoo entry"):
        TrainingRunner(device="cpu").start("no-such-model")


def test_reset_forgets_everything(runner):
    runner.start("ring-gan", steps=100_000)
    wait_for(lambda: runner.snapshot().step > 3)
    runner.reset()
    snap = runner.snapshot()
    assert snap.status == "idle" and snap.history == {} and snap.samples is None
    with pytest.raises(RuntimeError, match="no run"):
        runner.save()


def test_injected_probe_records_coverage_over_time(tmp_path):
    from gan_explorer.metrics import coverage_probe

    runner = TrainingRunner(device="cpu", out_dir=tmp_path, make_probe=coverage_probe)
    runner.start("ring-gan", steps=40, train_overrides={"probe_every": 20, "batch_size": 64})
    snap = wait_for(lambda: (s := runner.snapshot()).status == "finished" and s)
    assert snap.coverage["step"] == [0, 20, 40]
    assert all(0 <= m <= 8 for m in snap.coverage["modes_captured"])


def test_costly_probe_is_spaced_out_to_its_cpu_budget(tmp_path):
    """A probe that costs dozens of steps of CPU is spaced out beyond the entry's 200 steps, to ~2% of the time."""
    calls = []

    def make_probe(name):
        def probe(model):
            start = time.thread_time()
            while time.thread_time() - start < 0.05:  # a probe that costs 50 ms of CPU
                pass
            calls.append(time.thread_time() - start)
            return {"value": 1.0}
        return probe

    runner = TrainingRunner(device="cpu", out_dir=tmp_path, make_probe=make_probe)
    runner.start("ring-gan", steps=1200, train_overrides={"batch_size": 64})
    snap = wait_for(lambda: (s := runner.snapshot()).status == "finished" and s, timeout=120)
    steps = snap.coverage["step"]
    assert steps[:2] == [0, 200], "the first interval is the entry's, while the step cost is unknown"
    # ~50 ms against ~3 ms ring-gan steps: a 2% share needs ~800 steps between probes, not 200
    assert all(s % 200 == 0 for s in steps) and len(steps) <= 3, steps
    assert len(calls) == len(steps) and min(calls) >= 0.05
