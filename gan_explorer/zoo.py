"""The model zoo: named entries bundling model, loss, optimiser, dataset, defaults and checkpoint.

    >>> from gan_explorer import zoo
    >>> zoo.list()[:3]
    ['pattern1010', 'sine-gan', 'ring-gan']
    >>> model = zoo.load("dcgan-mnist")      # pretrained weights when shipped
    >>> images = model.sample(16, seed=0)    # 16×1×28×28 in [0, 1]
"""

from __future__ import annotations

import logging
import os
import re
import reprlib
import threading
from dataclasses import dataclass
from pathlib import Path

import torch

from gan_explorer.checkpoints import CheckpointError, load_checkpoint, read_metadata
from gan_explorer.config import (
    CycleGANConfig,
    CycleTrainConfig,
    DenoiserConfig,
    DenoiseTrainConfig,
    ModelConfig,
    TrainConfig,
)
from gan_explorer.models import GAN, GenerativeModel, build_model
from gan_explorer.models.cyclegan import CycleGAN
from gan_explorer.models.denoiser import ResidualDenoiser

log = logging.getLogger(__name__)

_SHIPPED = Path(__file__).resolve().parent.parent / "checkpoints"
CHECKPOINT_DIR = Path(os.environ.get("GAN_EXPLORER_CHECKPOINTS", _SHIPPED))


@dataclass(frozen=True)
class ZooEntry:
    name: str
    title: str
    dataset: str
    model: ModelConfig
    train: TrainConfig
    lesson: str
    opened_from: Path | None = None  # the stem of a checkpoint a user opened (add_checkpoint); else shipped
    trained_as: str = ""  # for an opened checkpoint: the zoo entry it was trained from

    @property
    def checkpoint(self) -> Path:
        return self.opened_from if self.opened_from is not None else CHECKPOINT_DIR / self.name


_MNIST = (1, 28, 28)
_TEXTBOOK_MLP = dict(family="mlp", data_shape=_MNIST, g_hidden=(200,), d_hidden=(200,))
# cgan-mnist's networks and recipe, shared by the self-conditioned DCGAN: the label (a class or a
# cluster) enters G as a one-hot and D by projection, under spectral norm and the hinge loss
_PROJECTION_DCGAN = dict(family="dcgan", data_shape=_MNIST, latent_dim=64, base_channels=32, g_output="tanh",
                         d_norm="spectral", d_conditioning="projection")
_PROJECTION_RECIPE = dict(loss="hinge", lr_g=2e-4, lr_d=2e-4, batch_size=64, ema_decay=0.999, augment="translation")
# The MLP recipes run ~500 steps/s here: probing coverage (~0.2 s) every 200 steps cost them
# about 17% of their speed; every 1,000 steps costs a fifth of that.
_FAST_MNIST_PROBE = 1000

_ENTRIES = [
    ZooEntry(
        "pattern1010", "The 1010 pattern (textbook GAN)", "pattern1010",
        ModelConfig(family="mlp", data_shape=(4,), latent_dim=1, latent_distribution="uniform",
                    g_hidden=(3,), d_hidden=(3,), activation="sigmoid", g_output="sigmoid"),
        # the book feeds one sample at a time at lr 0.01; mini-batches of 8 at 0.05 reach the same
        # equilibrium in a third of the wall time
        TrainConfig(loss="mse", optimizer="sgd", lr_g=0.05, lr_d=0.05, batch_size=8, steps=6000,
                    log_every=50, sample_every=250),
        "The smallest GAN: G learns to output 1, 0, 1, 0. When D can no longer tell real from fake it "
        "answers 0.5 for both, and both MSE losses settle at (1 − 0.5)² = 0.25.",
    ),
    ZooEntry(
        "sine-gan", "Sine curves", "sine",
        ModelConfig(family="mlp", data_shape=(32,), latent_dim=8, g_hidden=(64, 64), d_hidden=(64, 64),
                    activation="leaky_relu", g_output="tanh"),
        TrainConfig(loss="bce", lr_g=1e-3, lr_d=1e-3, batch_size=64, steps=3000, sample_every=100),
        "G draws whole curves. Watch the samples go from noise to smooth waves of different phases.",
    ),
    ZooEntry(
        "ring-gan", "2-D ring of 8 Gaussians", "ring",
        # PacGAN2 (Lin et al. 2018): D judges pairs of samples, so a G that repeats one cluster is caught;
        # 5/5 seeds meet the coverage and quality goal (benchmarks/modes_2d.py); unpacked, 1 seed in 5 falls short
        ModelConfig(family="mlp", data_shape=(2,), latent_dim=8, g_hidden=(128, 128), d_hidden=(128, 128),
                    activation="tanh", g_output="linear", pack=2),
        TrainConfig(loss="bce", lr_g=1e-3, lr_d=1e-3, betas=(0.5, 0.999), batch_size=256, steps=12000,
                    sample_every=100),
        "Eight tight clusters on a circle. A collapsing GAN hops from mode to mode; a healthy one covers all eight. "
        "Its D looks at two samples at a time (packing), so a G that repeats itself is easy to spot.",
    ),
    ZooEntry(
        "grid-gan", "2-D grid of 25 Gaussians", "grid",
        ModelConfig(family="mlp", data_shape=(2,), latent_dim=8, g_hidden=(128, 128), d_hidden=(128, 128),
                    activation="tanh", g_output="linear"),
        # the ring's recipe plus instance noise: D's inputs get Gaussian noise of std 1.0 (half the grid's
        # spacing), shrinking to 0 at step 10,000; without it this recipe keeps missing 2-4 modes
        # (benchmarks/modes_2d.py); G samples from the average of its weights, so the last step cannot
        # land in a spread-out phase of the oscillation (5/5 seeds meet the quality goal, 4/5 without it)
        TrainConfig(loss="bce", lr_g=1e-3, lr_d=1e-3, betas=(0.5, 0.999), batch_size=256, steps=12000,
                    sample_every=100, instance_noise=1.0, instance_noise_steps=10000, ema_decay=0.999),
        "Twenty-five clusters on a 5 × 5 grid: much harder to cover than the ring. Noise added to D's inputs, "
        "large at first and fading away, lets G feel the clusters it has not found yet.",
    ),
    ZooEntry(
        "mnist-mlp-naive", "MNIST, naive MLP recipe", "mnist",
        ModelConfig(**_TEXTBOOK_MLP, latent_dim=1, latent_distribution="uniform", activation="sigmoid",
                    g_output="sigmoid"),
        TrainConfig(loss="mse", optimizer="sgd", lr_g=0.01, lr_d=0.01, batch_size=16, steps=20000,
                    probe_every=_FAST_MNIST_PROBE),
        "MSE loss, sigmoid activations, SGD and a single uniform seed: G finds one blob that fools D "
        "and makes it for every seed — mode collapse.",
    ),
    ZooEntry(
        "mnist-mlp-improved", "MNIST, improved MLP recipe", "mnist",
        ModelConfig(**_TEXTBOOK_MLP, latent_dim=100, activation="leaky_relu", norm="layer", g_output="sigmoid"),
        TrainConfig(loss="bce", optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.9, 0.999), batch_size=16,
                    steps=20000, probe_every=_FAST_MNIST_PROBE),
        "BCE, LeakyReLU, LayerNorm, Adam and a normal seed of 100 numbers: varied digits instead of one blob.",
    ),
    ZooEntry(
        "dcgan-mnist", "MNIST, DCGAN 28×28", "mnist",
        # twice the channels of the textbook 28×28 DCGAN, and D under spectral norm with the hinge loss;
        # G samples from the average of its weights (the live G wanders around the equilibrium); D sees
        # real and fake digits shifted alike (DiffAugment), as 4,000 offline digits are few for a long run
        ModelConfig(family="dcgan", data_shape=_MNIST, latent_dim=64, base_channels=64, g_output="tanh",
                    d_norm="spectral"),
        TrainConfig(loss="hinge", lr_g=2e-4, lr_d=2e-4, batch_size=64, steps=69460, ema_decay=0.999,
                    augment="translation"),
        "Convolutions share weights across the image: sharper digits than the MLP GAN from far fewer parameters.",
    ),
    ZooEntry(
        "dcgan-mnist-clusters", "MNIST, self-conditioned DCGAN", "mnist",
        # cgan-mnist's networks and recipe, but the labels are 30 k-means clusters of the training
        # digits' pixels, found before training (no human labels; Liu et al. 2020 cluster D's features).
        # 42,910 steps: 20 CPU-minutes here (benchmarks/mnist_budget.py); 5 minutes already beat 85% of real IS
        ModelConfig(**_PROJECTION_DCGAN, clusters=30),
        TrainConfig(**_PROJECTION_RECIPE, steps=42910),
        "Before training, k-means sorts the digits into 30 clusters by their pixels, and G and D are told "
        "each image's cluster. G draws one cluster at a time instead of all of MNIST at once; its first "
        "latent value picks the cluster, so it still needs no labels.",
    ),
    ZooEntry(
        "cgan-mnist", "MNIST, conditional DCGAN", "mnist",
        # D takes the label by projection, under spectral norm and the hinge loss (Miyato & Koyama 2018);
        # G samples from the average of its weights; D sees real and fake digits shifted alike. 12,000
        # steps (5 CPU-minutes here): at 4,000 the backgrounds were still grey (FD 255 against 83)
        ModelConfig(**_PROJECTION_DCGAN, num_classes=10),
        TrainConfig(**_PROJECTION_RECIPE, steps=12000),
        "The class label goes into both G and D, so you can ask for a particular digit.",
    ),
    ZooEntry(
        "cgan-mnist-mlp", "MNIST, conditional MLP GAN", "mnist",
        ModelConfig(**_TEXTBOOK_MLP, latent_dim=100, activation="leaky_relu", norm="layer", g_output="sigmoid",
                    num_classes=10),
        TrainConfig(loss="bce", lr_g=1e-4, lr_d=1e-4, betas=(0.9, 0.999), batch_size=16, steps=20000,
                    probe_every=_FAST_MNIST_PROBE),
        "The book's conditional GAN: a one-hot label appended to G's seed and to D's input image.",
    ),
    ZooEntry(
        "wgan-gp-mnist", "MNIST, WGAN-GP", "mnist",
        ModelConfig(family="dcgan", data_shape=_MNIST, latent_dim=64, base_channels=32, g_output="tanh",
                    d_norm="none"),
        TrainConfig(loss="wgan-gp", lr_g=1e-4, lr_d=1e-4, betas=(0.5, 0.9), n_critic=5, gp_lambda=10.0,
                    batch_size=64, steps=2000),
        "A critic (no sigmoid, no batch norm) estimates the Wasserstein distance; the gradient penalty keeps "
        "it 1-Lipschitz. Its loss tracks sample quality, unlike the BCE loss.",
    ),
    ZooEntry(
        "dcgan-faces", "Faces, DCGAN 64×64", "faces",
        ModelConfig(family="dcgan", data_shape=(1, 64, 64), latent_dim=100, base_channels=32, g_output="tanh"),
        TrainConfig(loss="bce", lr_g=2e-4, lr_d=2e-4, batch_size=32, steps=3000),
        "The classic 64×64 DCGAN of pytorch/examples on faces (offline: scikit-image's LFW subset; "
        "pack CelebA to HDF5 for the real thing).",
    ),
    ZooEntry(
        "vae-mnist", "MNIST, variational autoencoder", "mnist",
        ModelConfig(family="vae", data_shape=_MNIST, latent_dim=16, g_hidden=(400,), activation="relu",
                    g_output="sigmoid"),
        TrainConfig(loss="elbo", lr_g=1e-3, betas=(0.9, 0.999), batch_size=64, steps=3000),
        "For contrast: a VAE covers every digit but blurs them, because it is trained to reconstruct, not to fool.",
    ),
]
_BY_NAME = {e.name: e for e in _ENTRIES}
OPENED_PREFIX = "upload:"  # names of checkpoints a user opened, so they never shadow a zoo entry
_OPENED: dict[str, ZooEntry] = {}
_OPENED_LOCK = threading.Lock()


def list() -> list[str]:  # noqa: A001 - the zoo's public API is zoo.list()
    return [e.name for e in _ENTRIES]


def entry(name: str) -> ZooEntry:
    try:
        return _BY_NAME[name]
    except (KeyError, TypeError):
        pass
    try:
        return _OPENED[name]
    except (KeyError, TypeError):
        shown = reprlib.repr(name)  # a name pasted by mistake (or sent by a script) may be megabytes long
        raise KeyError(f"unknown zoo entry {shown}; available: {', '.join(_BY_NAME)}") from None


def opened() -> list[str]:
    """Names of the checkpoints opened with add_checkpoint, oldest first."""
    with _OPENED_LOCK:
        return [*_OPENED]


def opened_name(label: str) -> str:
    """``upload:<label>`` with the label cut down to letters, digits, '.', '_' and '-' (at most 64)."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-.")[:64]
    if not clean:
        raise ValueError(f"{label!r} cannot name a checkpoint: use letters, digits, '.', '_' or '-'")
    return OPENED_PREFIX + clean


def add_checkpoint(name: str, stem: str | Path) -> ZooEntry:
    """Make a checkpoint trained from a zoo entry (``python -m gan_explorer train ENTRY --out STEM``)
    available under ``name``: zoo.entry(name) and zoo.load(name) then work as for a shipped entry.

    It is checked in full first (JSON metadata, the entry it was trained as, the architecture in its
    config, the weights' sha256, every tensor's name and shape), through safetensors only: nothing is
    unpickled. Any problem raises CheckpointError saying what it is, and nothing is added."""
    if not isinstance(name, str) or not name.startswith(OPENED_PREFIX):
        raise ValueError(f"opened checkpoints are named {OPENED_PREFIX}<name>, not {name!r}")
    meta = read_metadata(stem)
    base = meta.get("entry")
    if not isinstance(base, str) or base not in _BY_NAME:
        raise CheckpointError(f"the checkpoint was trained as {base!r}, which is not a zoo entry of this version; "
                              f"it can open checkpoints of: {', '.join(_BY_NAME)}")
    try:
        config = ModelConfig.from_dict(meta.get("config"))
    except (TypeError, ValueError, AttributeError) as exc:
        raise CheckpointError(f"the checkpoint's model config is not valid: {exc}") from None
    expected = _BY_NAME[base].model
    if config != expected:
        changed = [k for k, v in config.to_dict().items() if v != expected.to_dict()[k]]
        raise CheckpointError(f"the checkpoint's architecture differs from {base}'s in {', '.join(changed)}: "
                              "only checkpoints of the zoo's own architectures can be opened")
    load_checkpoint(stem, build_model(config), expected_entry=base)  # sha256, truncation, tensor shapes
    base_entry = _BY_NAME[base]
    opened_entry = ZooEntry(name, f"{base_entry.title} (opened: step {meta.get('step')})", base_entry.dataset,
                            config, base_entry.train, base_entry.lesson, Path(stem), base)
    with _OPENED_LOCK:
        _OPENED[name] = opened_entry
    return opened_entry


def create(name: str, **overrides) -> GenerativeModel:
    """A freshly initialised model of an entry; keyword arguments override ModelConfig fields."""
    model = build_model(entry(name).model.replace(**overrides))
    model.pretrained = False
    return model


def load(name: str, pretrained: bool = True, device: str | torch.device | None = None) -> GenerativeModel:
    """The entry's model with its shipped weights, or fresh weights when none ship (``model.pretrained``
    says which). A checkpoint that is present but broken raises CheckpointError: never silently fresh."""
    e = entry(name)
    model = create(name)
    model.checkpoint_metadata = None
    if pretrained and e.checkpoint.with_suffix(".safetensors").exists():
        metadata, _ = load_checkpoint(e.checkpoint, model, expected_entry=e.trained_as or name)
        model.pretrained = True
        model.checkpoint_metadata = metadata
    elif pretrained:
        log.warning("no pretrained checkpoint for %s in %s: using fresh weights", name, CHECKPOINT_DIR)
    return model.to(device or "cpu").eval()


def describe(name: str) -> dict:
    e = entry(name)
    model = create(name)
    counts = {"parameters": sum(p.numel() for p in model.parameters())}
    if isinstance(model, GAN):
        counts["generator_parameters"] = sum(p.numel() for p in model.generator.parameters())
        counts["discriminator_parameters"] = sum(p.numel() for p in model.discriminator.parameters())
    return {
        "name": e.name,
        "title": e.title,
        "dataset": e.dataset,
        "lesson": e.lesson,
        "conditional": e.model.num_classes > 0,
        "model": e.model.to_dict(),
        "train": e.train.to_dict(),
        "checkpoint": str(e.checkpoint),
        "pretrained_available": e.checkpoint.with_suffix(".safetensors").exists(),
        **counts,
    }


# ---------------------------------------------------------------- image-to-image: denoisers
# Their own family: they map images to images and have no latent space, so they are listed
# apart from the generative entries (zoo.list()) and trained by training/denoiser.py.


@dataclass(frozen=True)
class DenoiserEntry:
    name: str
    title: str
    model: DenoiserConfig
    train: DenoiseTrainConfig
    lesson: str

    @property
    def checkpoint(self) -> Path:
        return CHECKPOINT_DIR / self.name

    @property
    def dataset(self) -> str:
        return "natural-patches"


def _denoiser_pair(noise: str, title: str, fidelity_steps: int, perceptual_steps: int,
                   blocks: int = 6) -> list[DenoiserEntry]:
    fidelity, model = f"denoise-{noise}", DenoiserConfig(blocks=blocks)
    return [
        DenoiserEntry(fidelity, f"Denoiser, {title} (fidelity)", model,
                      DenoiseTrainConfig(noise=noise, steps=fidelity_steps, content_loss="l2", lr_schedule="cosine"),
                      f"Blind {title} denoiser trained on content loss alone (λ_adv = 0): the best PSNR."),
        DenoiserEntry(f"{fidelity}-perceptual", f"Denoiser, {title} (perceptual)", model,
                      DenoiseTrainConfig(noise=noise, steps=perceptual_steps, adv_weight=0.01, lr_g=2e-4,
                                         betas=(0.5, 0.9), init_from=fidelity),
                      "Starts from the fidelity model and adds a WGAN-GP critic: sharper texture, lower PSNR."),
    ]


_DENOISERS = [
    # 8 blocks: the shipped 6-block weights grown by two identity blocks and fine-tuned (README, Denoising)
    *_denoiser_pair("gaussian", "Gaussian noise", 24000, 100, blocks=8),
    *_denoiser_pair("poisson", "Poisson noise", 1000, 50),
    *_denoiser_pair("speckle", "speckle noise", 1000, 50),
    *_denoiser_pair("salt-pepper", "salt-and-pepper noise", 1000, 50),
]
_DENOISERS_BY_NAME = {e.name: e for e in _DENOISERS}


def denoisers() -> list[str]:
    return [e.name for e in _DENOISERS]


def _lookup(table: dict, kind: str, name: str):
    try:
        return table[name]
    except (KeyError, TypeError):
        raise KeyError(f"unknown {kind} {reprlib.repr(name)}; available: {', '.join(table)}") from None


def denoiser_entry(name: str) -> DenoiserEntry:
    return _lookup(_DENOISERS_BY_NAME, "denoiser", name)


def load_denoiser(name: str, pretrained: bool = True) -> ResidualDenoiser:
    """The denoiser in eval mode with its shipped weights (``model.pretrained`` says whether they were there)."""
    e = denoiser_entry(name)
    return _with_shipped_weights(ResidualDenoiser(e.model), name, e.checkpoint, pretrained)


def _with_shipped_weights(model: torch.nn.Module, name: str, checkpoint: Path, pretrained: bool) -> torch.nn.Module:
    """An image-to-image model in eval mode, with its shipped weights when asked for and present;
    ``model.pretrained`` says whether they were there (a fresh denoiser is the identity)."""
    model.pretrained, model.checkpoint_metadata = False, None
    if pretrained and checkpoint.with_suffix(".safetensors").exists():
        model.checkpoint_metadata, _ = load_checkpoint(checkpoint, model, expected_entry=name)
        model.pretrained = True
    elif pretrained:
        log.warning("no pretrained checkpoint for %s in %s: using fresh weights", name, CHECKPOINT_DIR)
    return model.eval()


# ---------------------------------------------------------------- image-to-image translation (CycleGAN)
# Kept apart from the generative entries above: a translator has no latent space to sample, so the
# Train, Latent and Mode-collapse tabs, which list zoo.list(), never offer it.


@dataclass(frozen=True)
class TranslationEntry:
    name: str
    title: str
    dataset: str  # a domain pair for gan_explorer.data.unpaired.load_unpaired
    model: CycleGANConfig
    train: CycleTrainConfig
    domains: tuple[str, str]  # what A and B are, in words
    lesson: str

    @property
    def checkpoint(self) -> Path:
        return CHECKPOINT_DIR / self.name


_TRANSLATION_ENTRIES = [
    TranslationEntry(
        "cyclegan-photo-sketch", "CycleGAN: photo ↔ edge sketch", "photo-sketch",
        CycleGANConfig(channels=1, base_channels=16, n_blocks=4, d_channels=16, d_layers=3),
        CycleTrainConfig(batch_size=1, crop=64, steps=4000, decay_from=2000),
        ("photo", "sketch"),
        "Two generators learn photo → sketch and sketch → photo from photos and sketches of DIFFERENT "
        "pictures: nothing tells them which sketch belongs to which photo. The cycle loss (photo → sketch → "
        "photo must give the photo back) is what keeps the translation faithful to its input.",
    ),
]
_TRANSLATION_BY_NAME = {e.name: e for e in _TRANSLATION_ENTRIES}


def translation_list() -> list[str]:
    return [e.name for e in _TRANSLATION_ENTRIES]


def translation_entry(name: str) -> TranslationEntry:
    return _lookup(_TRANSLATION_BY_NAME, "translation entry", name)


def load_translator(name: str, pretrained: bool = True) -> CycleGAN:
    """The entry's CycleGAN in eval mode, with its shipped weights when present (``model.pretrained``)."""
    e = translation_entry(name)
    return _with_shipped_weights(CycleGAN(e.model), name, e.checkpoint, pretrained)


__all__ = ["CHECKPOINT_DIR", "OPENED_PREFIX", "CheckpointError", "DenoiserEntry", "TranslationEntry", "ZooEntry",
           "add_checkpoint", "create", "denoiser_entry", "denoisers", "describe", "entry", "list", "load",
           "load_denoiser", "load_translator", "opened", "opened_name", "translation_entry", "translation_list"]
