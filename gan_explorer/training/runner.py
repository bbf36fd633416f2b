"""The trainer in a background thread, shared by every visitor of the app.

Control calls (pause, resume, single step, live setting changes, save) are safe
from any thread: steps, setting changes and saves run *in* the training thread,
between two updates, so nothing races the optimiser. Readers take a
``snapshot()``: a cheap copy made under the lock, never the live lists.
"""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import torch

from gan_explorer import data, zoo
from gan_explorer.training.device import pick_device
from gan_explorer.training.trainer import Event, Trainer, TrainingDiverged

log = logging.getLogger(__name__)

MAX_FRAMES = 120  # timelapse frames kept; older ones are thinned out, never the first or the latest
# The coverage probe (the Mode collapse tab's plot over time) runs only in the app, never in the
# CLI: it may cost the training thread this share of its CPU time, no more. A 1,000-sample MNIST
# probe costs about 0.25 CPU-s, a dozen DCGAN steps: every 200 steps it slowed training by 6%.
PROBE_CPU_SHARE = 0.02


class ProbeBudget:
    """Wraps a probe, times it on the training thread's CPU clock (blind to other processes), and
    stretches the run's probe interval to whole multiples of the configured one until probing
    costs at most PROBE_CPU_SHARE of the thread's time."""

    def __init__(self, probe: Callable, configured_every: int):
        self.probe = probe
        self.configured_every = configured_every
        self.cost: float | None = None  # CPU seconds of the latest probe
        self.step_cost: float | None = None  # running mean of a step's CPU seconds, probes left out
        self._just_ran = False

    def __call__(self, model) -> dict:
        start = time.thread_time()
        try:
            return self.probe(model)
        finally:
            self.cost, self._just_ran = time.thread_time() - start, True

    def observe(self, trainer: Trainer, step_seconds: float) -> None:
        """Called after every step with its CPU seconds; sets the interval after each probe."""
        if not self._just_ran:
            self.step_cost = step_seconds if self.step_cost is None else 0.9 * self.step_cost + 0.1 * step_seconds
            return
        self._just_ran = False  # this step's time included the probe: leave it out of the mean
        every = self.configured_every
        if self.step_cost and every:
            needed = self.cost * (1 - PROBE_CPU_SHARE) / PROBE_CPU_SHARE / self.step_cost
            trainer.cfg = trainer.cfg.replace(probe_every=every * max(1, math.ceil(needed / every)))


@dataclass
class RunSnapshot:
    status: str  # idle | starting | running | paused | finished | stopped | error
    reason: str = ""  # why the run paused or stopped, in a sentence
    entry: str = ""
    dataset_source: str = ""
    step: int = 0
    total_steps: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    coverage: dict[str, list[float]] = field(default_factory=dict)  # probe results over training time
    samples: torch.Tensor | None = None  # latest fixed-noise samples, natural range
    samples_step: int = 0
    frames: list[tuple[int, torch.Tensor]] = field(default_factory=list)
    steps_per_s: float = 0.0
    eta_s: float | None = None
    settings: dict = field(default_factory=dict)
    version: int = 0  # grows with every change, so a poller can skip redraws


class TrainingRunner:
    def __init__(self, *, device: str = "auto", out_dir: str | Path = "runs",
                 load_data: Callable[..., object] = data.load,
                 make_probe: Callable[[str], Callable] | None = None):
        self.device = pick_device(device)
        self.out_dir = Path(out_dir)
        self._load_data = load_data
        self._make_probe = make_probe  # entry name -> probe(model) -> dict, e.g. metrics.coverage_probe
        self._lock = threading.Lock()  # guards the fields below
        self._wake = threading.Condition(self._lock)
        self.model_lock = threading.Lock()  # held during every update and every read of the weights
        self._thread: threading.Thread | None = None
        self._trainer: Trainer | None = None
        self._commands: list[tuple[Callable[[Trainer], object], Future]] = []
        self._stop_requested = False
        self._probe_budget_on = True
        self._probe_budget: ProbeBudget | None = None
        self._clear()

    def _clear(self) -> None:
        self._snap = RunSnapshot(status="idle")
        self._rate_window: deque[tuple[float, int]] = deque(maxlen=50)

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self, entry: str, *, model_overrides: dict | None = None, train_overrides: dict | None = None,
              steps: int | None = None, paused: bool = False) -> None:
        """Build the entry's model and data in the background thread and start training."""
        zoo_entry = zoo.entry(entry)  # unknown names fail here, in the caller's thread
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise RuntimeError("a run is already in progress: stop it first")
            cfg = zoo_entry.train.replace(**(train_overrides or {}))
            self._clear()
            self._snap = RunSnapshot(status="starting", entry=entry, total_steps=steps or cfg.steps,
                                     settings=cfg.to_dict())
            self._stop_requested = False
            self._commands = []
            # an interval chosen by the caller is kept; the entry's default yields to the CPU budget
            self._probe_budget_on = "probe_every" not in (train_overrides or {})
            self._thread = threading.Thread(
                target=self._run, args=(zoo_entry, model_overrides or {}, cfg, paused), daemon=True,
                name=f"train-{entry}")
            self._thread.start()

    def _build(self, zoo_entry: zoo.ZooEntry, model_overrides: dict, cfg) -> Trainer:
        with torch.random.fork_rng(devices=[]):  # seeded initial weights; other threads' random state untouched
            torch.manual_seed(cfg.seed)
            model = zoo.create(zoo_entry.name, **model_overrides)
        dataset = self._load_data(zoo_entry.dataset, "train")
        with self._lock:
            self._snap.dataset_source = dataset.source
        probe = self._make_probe(zoo_entry.name) if self._make_probe else None
        budgeted = probe is not None and self._probe_budget_on
        self._probe_budget = ProbeBudget(probe, cfg.probe_every) if budgeted else None
        return Trainer(model, cfg, dataset, device=self.device, on_event=self._on_event,
                       entry=zoo_entry.name, dataset=zoo_entry.dataset, probe=self._probe_budget or probe)

    def _run(self, zoo_entry: zoo.ZooEntry, model_overrides: dict, cfg, paused: bool) -> None:
        try:
            trainer = self._build(zoo_entry, model_overrides, cfg)
            self._trainer = trainer
            trainer.emit_samples()  # show the untrained generator at step 0
            if trainer.probe is not None:
                trainer.emit_probe()
            self._set_status("paused" if paused else "running", "started paused" if paused else "")
            self._loop(trainer)
        except Exception as exc:  # reported to every visitor; the next start() works
            log.exception("training thread failed")
            self._set_status("error", f"{type(exc).__name__}: {exc}", detail=traceback.format_exc(limit=3))

    def _loop(self, trainer: Trainer) -> None:
        while True:
            with self._lock:
                while self._snap.status == "paused" and not self._commands and not self._stop_requested:
                    self._wake.wait()
                if self._stop_requested:
                    self._snap.status, self._snap.reason = "stopped", "stopped by a visitor"
                    self._bump()
                    return
                commands, self._commands = self._commands, []
                running = self._snap.status == "running"
            for command, future in commands:
                self._execute(trainer, command, future)
            if running:
                self._guarded_step(trainer)
            if trainer.step_count >= self._snap.total_steps:
                with self.model_lock:
                    trainer.flush_metrics()
                    trainer.emit_samples()
                self._set_status("finished", f"reached {trainer.step_count} steps")
                return

    def _execute(self, trainer: Trainer, command: Callable[[Trainer], object], future: Future) -> None:
        try:
            with self.model_lock:
                future.set_result(command(trainer))
        except Exception as exc:
            future.set_exception(exc)

    def _guarded_step(self, trainer: Trainer) -> None:
        try:
            with self.model_lock:
                # re-checked under the model lock, so pause() can wait for the step in flight
                if self._snap.status != "running":
                    return
                start = time.thread_time()
                trainer.step("both")
                if self._probe_budget is not None:
                    self._probe_budget.observe(trainer, time.thread_time() - start)
                with self._lock:
                    self._rate_window.append((time.perf_counter(), trainer.step_count))
                    self._snap.step = trainer.step_count
        except TrainingDiverged as exc:
            with self._lock:
                self._snap.step = trainer.step_count  # the step the weights were rolled back to
            self._set_status("paused", str(exc))

    # ---- control -------------------------------------------------------------------------------
    def pause(self) -> None:
        """Returns once the update in flight (if any) has finished: the run no longer moves."""
        self._transition({"running"}, "paused", "paused by a visitor")
        with self.model_lock:
            pass

    def resume(self) -> None:
        self._transition({"paused"}, "running", "")

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stop_requested = True
            self._wake.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def reset(self) -> None:
        """Stop and forget the run: history, samples, model."""
        self.stop()
        with self._lock:
            self._trainer = None
            self._thread = None
            self._clear()

    def step(self, mode: str = "both") -> dict:
        """One update of a paused run: 'd', 'g' or 'both'; returns its metrics."""
        def single(trainer: Trainer) -> dict:
            metrics = trainer.step(mode)
            trainer.flush_metrics()
            trainer.emit_samples()
            return metrics
        with self._lock:
            if self._snap.status != "paused":
                raise RuntimeError("single steps need a paused run")
        try:
            metrics = self._submit(single)
        except TrainingDiverged as exc:
            self._set_status("paused", str(exc))
            raise
        with self._lock:
            self._snap.step = self._trainer.step_count
            self._bump()
        return metrics

    def update(self, **changes) -> dict:
        """Change learning rates, n_critic or batch size; takes effect on the next update."""
        def apply(trainer: Trainer) -> dict:
            trainer.update_settings(**changes)
            return trainer.cfg.to_dict()
        settings = self._submit(apply)
        with self._lock:
            self._snap.settings = settings
            self._bump()
        return settings

    def save(self, path: str | Path | None = None) -> Path:
        """Checkpoint the current weights (default: out_dir/ENTRY-stepN)."""
        def write(trainer: Trainer) -> Path:
            return trainer.save(path or self.out_dir / f"{trainer.entry}-step{trainer.step_count}")
        return self._submit(write)

    def _submit(self, command: Callable[[Trainer], object], timeout: float = 120.0):
        with self._lock:
            trainer, alive = self._trainer, self._thread is not None and self._thread.is_alive()
            if trainer is None:
                raise RuntimeError("no run: start one first")
            if alive:
                future: Future = Future()
                self._commands.append((command, future))
                self._wake.notify_all()
        if not alive:  # a finished or stopped run: its trainer is idle, run the command here
            with self.model_lock:
                return command(trainer)
        return future.result(timeout)

    # ---- reading -----------------------------------------------------------------------------
    def snapshot(self) -> RunSnapshot:
        with self._lock:
            snap = copy.copy(self._snap)
            snap.history = {k: v[:] for k, v in self._snap.history.items()}
            snap.coverage = {k: v[:] for k, v in self._snap.coverage.items()}
            snap.frames = self._snap.frames[:]
            snap.steps_per_s, snap.eta_s = self._rate()
            return snap

    @property
    def version(self) -> int:
        return self._snap.version

    def model_copy(self):
        """A private copy of the model being trained (for sampling and evaluation), or None."""
        trainer = self._trainer
        if trainer is None:
            return None
        with self.model_lock:
            return copy.deepcopy(trainer.sampling_model).cpu().eval()

    def _rate(self) -> tuple[float, float | None]:
        if len(self._rate_window) < 2 or self._snap.status != "running":
            return 0.0, None
        (t0, s0), (t1, s1) = self._rate_window[0], self._rate_window[-1]
        rate = (s1 - s0) / max(t1 - t0, 1e-9)
        return rate, (self._snap.total_steps - s1) / rate if rate > 0 else None

    # ---- events from the trainer (training thread) ---------------------------------------------
    def _on_event(self, event: Event) -> None:
        with self._lock:
            if event.kind == "metrics":
                _append_row(self._snap.history, {"step": event.step, **event.data})
            elif event.kind == "coverage":
                _append_row(self._snap.coverage, {"step": event.step, **event.data})
            elif event.kind == "samples":
                samples = event.data["samples"]
                self._snap.samples, self._snap.samples_step = samples, event.step
                self._snap.frames.append((event.step, samples))
                if len(self._snap.frames) > MAX_FRAMES:  # keep the first and latest, thin the middle
                    self._snap.frames = self._snap.frames[:1] + self._snap.frames[2:-1:2] + self._snap.frames[-1:]
            self._bump()

    def _transition(self, allowed: set[str], status: str, reason: str) -> None:
        with self._lock:
            if self._snap.status not in allowed:
                raise RuntimeError(f"cannot go from {self._snap.status} to {status}")
            self._snap.status, self._snap.reason = status, reason
            self._wake.notify_all()
            self._bump()

    def _set_status(self, status: str, reason: str, detail: str = "") -> None:
        with self._lock:
            self._snap.status, self._snap.reason = status, reason + (f"\n{detail}" if detail else "")
            self._wake.notify_all()
            self._bump()

    def _bump(self) -> None:
        self._snap.version += 1


def _append_row(history: dict[str, list[float]], row: dict[str, float]) -> None:
    """Append one row; keys seen for the first time are back-filled with NaN so columns align."""
    length = len(history.get("step", []))
    for key in row.keys() | history.keys():
        column = history.setdefault(key, [float("nan")] * length)
        column.append(float(row.get(key, float("nan"))))
