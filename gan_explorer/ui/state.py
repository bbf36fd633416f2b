"""State shared by every visitor: the one training runner, loaded models, datasets.

Gradio serves each visitor's events from a thread pool, so everything here is
guarded by locks. Per-visitor state (a slider's value, the chosen tab) lives in
the browser and in gr.State, never here.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import torch

from gan_explorer import data, latent, metrics, webexport, zoo
from gan_explorer.models import GenerativeModel
from gan_explorer.training.runner import TrainingRunner

log = logging.getLogger(__name__)

RUNS_DIR = Path(os.environ.get("GAN_EXPLORER_RUNS", "runs"))
PCA_COMPONENTS = 5  # principal-direction sliders in the latent explorer
PCA_SAMPLES = 2000

# One run for the whole server: every visitor watches (and steers) the same training. The probe
# measures coverage (classes, modes) every `probe_every` steps, for the Mode collapse tab's plot.
RUNNER = TrainingRunner(out_dir=RUNS_DIR, make_probe=metrics.coverage_probe)


def one_thread() -> None:
    """Run this (web server) thread's torch work on one intra-op thread.

    A picture for one latent takes ~1 ms on one thread; with two it can take 100× longer
    on a 2-core machine, where the second thread fights the training thread and idle
    OpenMP workers spinning in other threads. The setting is per thread (OpenMP's and
    MKL's thread-local limits), so the training thread keeps all its cores.
    """
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


@dataclass
class LoadedModel:
    name: str
    model: GenerativeModel
    pretrained: bool
    step: int | None  # training step of the shipped checkpoint, when there is one
    signature: tuple = ()  # the checkpoint files' stat when loaded: a changed file is loaded again
    lock: threading.Lock = field(default_factory=threading.Lock)  # one forward pass at a time
    _directions: latent.Directions | None = None
    _browser: tuple[dict, bytes] | webexport.UnsupportedExport | None = None

    def directions(self) -> latent.Directions:
        """GANSpace directions, computed on first use (a second or so) and kept."""
        with self.lock:
            if self._directions is None:
                self._directions = latent.principal_directions(self.model, k=PCA_COMPONENTS, samples=PCA_SAMPLES)
            return self._directions

    def browser_generator(self) -> tuple[dict, bytes]:
        """The generator exported for the page (webexport), made on first use and kept;
        raises UnsupportedExport (also kept) for models the page cannot run."""
        with self.lock:
            if self._browser is None:
                try:
                    self._browser = webexport.export_generator(self.model)
                except webexport.UnsupportedExport as exc:
                    self._browser = exc
            if isinstance(self._browser, webexport.UnsupportedExport):
                raise webexport.UnsupportedExport(str(self._browser))
            return self._browser

    @property
    def version(self) -> str:
        """Names these weights in URLs: the checkpoint's checksum, or this process's fresh model."""
        return self.sha256[:16] if self.sha256 else f"fresh-{id(self.model):x}"

    @property
    def sha256(self) -> str | None:
        """The shipped weights' checksum, or None for fresh weights: names exactly these weights."""
        return (getattr(self.model, "checkpoint_metadata", None) or {}).get("sha256")


def checkpoint_signature(name: str) -> tuple:
    """(size, mtime) of an entry's checkpoint files, None for a missing one: a cheap stat per call."""
    stem = zoo.entry(name).checkpoint
    out = []
    for suffix in (".safetensors", ".json"):
        try:
            st = stem.with_suffix(suffix).stat()
        except OSError:
            out.append(None)
        else:
            out.append((st.st_size, st.st_mtime_ns))
    return tuple(out)


class ModelCache:
    """Zoo models loaded lazily on the CPU and kept: the same weights for every visitor.

    The CPU, not the training GPU: a single latent renders in a millisecond or two
    there, and seeds give the same picture on any machine. A checkpoint that appears or
    changes in checkpoints/ while the server runs is picked up on the next request.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[str, LoadedModel] = {}
        self._loading: dict[str, threading.Lock] = {}

    def get(self, name: str) -> LoadedModel:
        signature = checkpoint_signature(name)  # unknown names raise KeyError before any lock is taken
        with self._lock:
            if name in self._models and self._models[name].signature == signature:
                return self._models[name]
            loading = self._loading.setdefault(name, threading.Lock())
        with loading:  # two visitors asking for the same model load it once
            with self._lock:
                if name in self._models and self._models[name].signature == signature:
                    return self._models[name]
            model = zoo.load(name, pretrained=True, device="cpu")
            metadata = getattr(model, "checkpoint_metadata", None) or {}
            loaded = LoadedModel(name, model, bool(model.pretrained), metadata.get("step"), signature)
            with self._lock:
                self._models[name] = loaded
            return loaded


MODELS = ModelCache()

_DATA_LOCK = threading.Lock()
_DATA: dict[tuple[str, str], object] = {}


def dataset(name: str, split: str = "train"):
    """A dataset loaded once and kept (the offline defaults are small)."""
    with _DATA_LOCK:
        key = (name, split)
        if key not in _DATA:
            _DATA[key] = data.load(name, split)
        return _DATA[key]


def real_samples(name: str, n: int, seed: int = 0) -> torch.Tensor:
    """n real rows of a dataset, drawn reproducibly."""
    source = dataset(name)
    x, _ = source.sample(n, torch.Generator().manual_seed(seed))
    return x.cpu()


@dataclass
class ServerNotes:
    """Facts about how the server runs that every page shows (for example a failed share link)."""

    read_only: bool = False
    share_failed: bool = False
    share_url: str | None = None


NOTES = ServerNotes()
