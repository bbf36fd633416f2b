"""The training loop: steps, metric averaging, fixed-noise samples, checkpoints, divergence checks.

It knows nothing of any UI. Whoever runs it passes ``on_event``, a callable that
receives ``Event`` objects (the trainer is handed its visualiser, as in
pytorch_GAN_zoo), so the CLI prints them and the app plots them.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from gan_explorer import checkpoints
from gan_explorer.config import TrainConfig
from gan_explorer.data import Dataset, clusters
from gan_explorer.models import GenerativeModel
from gan_explorer.training.ema import GeneratorEMA
from gan_explorer.training.precision import use_channels_last
from gan_explorer.training.step import BatchSource, Generators, apply_learning_rates, make_optimizers, train_step

FIXED_NOISE_COUNT = 64
# Settings that may change while a run goes on; anything else needs a new run.
LIVE_SETTINGS = ("lr_g", "lr_d", "n_critic", "batch_size")


@dataclass
class Event:
    kind: str  # 'metrics' | 'samples' | 'coverage' | 'checkpoint'
    step: int
    data: dict = field(default_factory=dict)


class TrainingDiverged(RuntimeError):
    """A loss became NaN, infinite or larger than the configured threshold."""


class Trainer:
    def __init__(
        self,
        model: GenerativeModel,
        cfg: TrainConfig,
        source: BatchSource,
        *,
        device: torch.device | str = "cpu",
        on_event: Callable[[Event], None] | None = None,
        entry: str = "",
        dataset: str = "",
        probe: Callable[[GenerativeModel], dict[str, float]] | None = None,
    ):
        self.device = torch.device(device)
        self.model = use_channels_last(model.to(self.device))
        self.cfg = cfg
        # batches are drawn where the model lives: no copy from the host on every step
        self.source = source.to(self.device) if hasattr(source, "to") else source
        if self.model.config.clusters:
            self._fit_clusters()
        self.on_event = on_event or (lambda event: None)
        self.entry, self.dataset = entry, dataset
        self.probe = probe  # e.g. metrics.coverage_probe(entry): injected, so training never imports metrics
        self.optimizers = make_optimizers(self.model, cfg)
        apply_learning_rates(self.optimizers, cfg)  # the schedule's value at step 0; an unknown schedule fails here
        self.ema = GeneratorEMA(self.model, cfg.ema_decay) if cfg.ema_decay else None
        self.generators = Generators.seeded(cfg.seed, self.device)
        self.step_count = 0
        self._pending: dict[str, list[float]] = {}
        self._last_good: dict | None = None
        # drawn once, so every progress grid shows the same latents (pytorch/examples' dcgan)
        fixed = torch.Generator().manual_seed(cfg.seed + 2)
        self.fixed_noise = self.model.sample_latent(FIXED_NOISE_COUNT, generator=fixed, device="cpu")
        self.fixed_labels = torch.arange(FIXED_NOISE_COUNT) % model.num_classes if model.num_classes else None

    # ---- self-conditioning ----------------------------------------------------------------------
    def _fit_clusters(self) -> None:
        """k-means on the real images, unless the model already holds clusters (a resumed or fine-tuned
        run keeps its own); then every real image is labelled with its cluster."""
        if not isinstance(self.source, Dataset) or self.source.x.dim() < 3:
            raise ValueError("clusters (self-conditioning) needs an in-memory image dataset")
        k = self.model.config.clusters
        if not self.model.clusters_fitted:
            centres, assignments = clusters.kmeans(self.source.x.cpu(), k, seed=self.cfg.seed)
            self.model.set_clusters(centres, torch.bincount(assignments, minlength=k).float())
        self.label_clusters()

    def label_clusters(self) -> None:
        """Label each real image with the model's nearest cluster centre (again after a resume, or after
        distributed ranks take rank 0's clusters)."""
        labels = clusters.nearest_centre(self.source.x, self.model.cluster_centres)
        self.source = replace(self.source, labels=labels, num_classes=self.model.config.clusters)

    # ---- settings ---------------------------------------------------------------------------
    def update_settings(self, **changes) -> None:
        unknown = set(changes) - set(LIVE_SETTINGS)
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} during a run; live: {LIVE_SETTINGS}")
        new = self.cfg.replace(**changes)
        if new.batch_size < 1 or new.n_critic < 1 or not (new.lr_g > 0 and new.lr_d > 0):
            raise ValueError("batch size and n_critic must be ≥ 1 and learning rates > 0")
        self.cfg = new
        apply_learning_rates(self.optimizers, new, self.step_count)

    # ---- stepping ---------------------------------------------------------------------------
    def step(self, mode: str = "both") -> dict[str, float]:
        """One update; raises TrainingDiverged (after rolling back to the last healthy state)."""
        if self._last_good is None:
            # the starting point is healthy by definition: a run that blows up before its first sample
            # (a learning rate 1,000× too high does within a few steps) can still be rolled back and resumed
            self._last_good = self._snapshot_state()
        if self.cfg.lr_schedule != "constant":
            apply_learning_rates(self.optimizers, self.cfg, self.step_count)
        metrics = train_step(self.model, self.optimizers, self.source, self.cfg, self.generators, mode,
                             step=self.step_count)
        self.step_count += 1
        if self.ema is not None and mode != "d":
            self.ema.update(self.model.generator)
        bad = {k: v for k, v in metrics.items() if "loss" in k and not abs(v) <= self.cfg.divergence_threshold}
        if bad:
            reason = ", ".join(f"{k} = {v:.4g}" for k, v in bad.items())
            diverged_at, restored = self.step_count, self._roll_back()
            raise TrainingDiverged(
                f"training diverged at step {diverged_at} ({reason}); weights rolled back to step {restored}. "
                "Lower the learning rates, then resume."
            )
        for key, value in metrics.items():
            self._pending.setdefault(key, []).append(value)
        if self.step_count % self.cfg.log_every == 0:
            self.flush_metrics()
        if self.step_count % self.cfg.sample_every == 0:
            self.emit_samples()
            self._last_good = self._snapshot_state()
        if self.probe is not None and self.cfg.probe_every and self.step_count % self.cfg.probe_every == 0:
            self.emit_probe()
        return metrics

    def run(self, steps: int, should_continue: Callable[[], bool] = lambda: True, out: Path | None = None) -> None:
        """``steps`` more updates; checkpoints to ``out`` every ``checkpoint_every`` and at the end."""
        for _ in range(steps):
            if not should_continue():
                break
            self.step()
            every = self.cfg.checkpoint_every
            if out is not None and every and self.step_count % every == 0:
                self.save(out)
        self.flush_metrics()
        if out is not None:
            self.save(out)

    def flush_metrics(self) -> None:
        """Emit the mean of every metric since the last emission."""
        if not self._pending:
            return
        means = {k: sum(v) / len(v) for k, v in self._pending.items()}
        self._pending = {}
        self.on_event(Event("metrics", self.step_count, {**means, "time": time.time()}))

    @property
    def sampling_model(self) -> GenerativeModel:
        """The model to sample, evaluate and save: G's weight average when ``ema_decay`` is set."""
        return self.ema.model_view if self.ema is not None else self.model

    def fixed_samples(self) -> torch.Tensor:
        return self.sampling_model.generate(self.fixed_noise, self.fixed_labels).cpu()

    def emit_samples(self) -> None:
        self.on_event(Event("samples", self.step_count, {"samples": self.fixed_samples()}))

    def emit_probe(self) -> None:
        self.on_event(Event("coverage", self.step_count, self.probe(self.sampling_model)))

    # ---- state --------------------------------------------------------------------------------
    def _snapshot_state(self) -> dict:
        return copy.deepcopy(self.state_dict())

    def _roll_back(self) -> int:
        self._pending = {}
        self.load_state_dict(copy.deepcopy(self._last_good))
        return self.step_count

    def state_dict(self) -> dict:
        """Everything a resume needs: weights, optimiser moments, step, random streams."""
        opts = self.optimizers
        return {
            "model": self.model.state_dict(),
            "optimizer_g": opts.g.state_dict(),
            "optimizer_d": opts.d.state_dict() if opts.d is not None else {},
            "step": self.step_count,
            "rng_data": self.generators.data.get_state(),
            "rng_noise": self.generators.noise.get_state(),
            "train": self.cfg.to_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else {},
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        if self.model.config.clusters:
            self.label_clusters()
        self.optimizers.g.load_state_dict(state["optimizer_g"])
        if self.optimizers.d is not None:
            self.optimizers.d.load_state_dict(state["optimizer_d"])
        self.step_count = int(state["step"])
        if self.ema is not None:
            if state.get("ema"):
                self.ema.load_state_dict(state["ema"])
            else:  # resuming a run saved without an average: start it from the live weights
                self.ema.generator.load_state_dict(self.model.generator.state_dict())
        self.generators.data.set_state(state["rng_data"])
        self.generators.noise.set_state(state["rng_noise"])
        # the learning rates in force when saved live in the optimiser state just loaded
        self.cfg = self.cfg.replace(**{k: state["train"][k] for k in LIVE_SETTINGS})

    def save(self, out: Path | str, metrics: dict | None = None) -> Path:
        """Weights + metadata (``out``.safetensors/.json) and the resume state (``out``.resume.pt)."""
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        path = checkpoints.save_checkpoint(
            out, self.sampling_model, entry=self.entry, config=self.model.config.to_dict(), step=self.step_count,
            dataset=self.dataset, metrics=metrics, extra={"train": self.cfg.to_dict()},
        )
        checkpoints.save_resume_state(resume_path(out), self.state_dict())
        self.on_event(Event("checkpoint", self.step_count, {"path": str(path)}))
        return path

    def resume(self, out: Path | str) -> None:
        self.load_state_dict(checkpoints.load_resume_state(resume_path(out)))


def resume_path(stem: Path | str) -> Path:
    return Path(str(stem) + ".resume.pt")

