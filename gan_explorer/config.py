"""Configuration dataclasses: plain types only, so they round-trip through JSON.

A model is rebuilt from its ``ModelConfig`` alone (nanoGPT's habit), and a run is
reproduced from its ``TrainConfig``. Tuples become lists in JSON; ``from_dict``
turns them back and ignores nothing silently: unknown keys are an error.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from typing import Any, TypeVar

T = TypeVar("T", bound="_PlainConfig")


class _PlainConfig:
    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in fields(self)  # type: ignore[arg-type]
        }

    @classmethod
    def from_dict(cls: type[T], d: dict[str, Any]) -> T:
        known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
        unknown = set(d) - set(known)
        if unknown:
            raise ValueError(f"unknown {cls.__name__} field(s): {', '.join(sorted(unknown))}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
        return cls(**values)

    def replace(self: T, **changes: Any) -> T:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class ModelConfig(_PlainConfig):
    family: str = "mlp"  # 'mlp' | 'dcgan' | 'vae'
    data_shape: tuple[int, ...] = (1, 28, 28)  # one sample's shape in the data's natural layout
    latent_dim: int = 100
    latent_distribution: str = "normal"  # 'normal' | 'uniform' (uniform in [0, 1), the naive recipe)
    g_hidden: tuple[int, ...] = (256,)  # MLP widths (mlp and vae families)
    d_hidden: tuple[int, ...] = (256,)
    activation: str = "leaky_relu"  # hidden activation of the MLPs: sigmoid | relu | leaky_relu | tanh
    norm: str = "none"  # MLP hidden normalisation: none | layer | batch
    g_output: str = "sigmoid"  # sigmoid -> data in [0, 1]; tanh -> [-1, 1]; linear -> as is
    d_norm: str = "batch"  # conv D normalisation: batch | none | spectral (WGAN-GP's critic needs none)
    base_channels: int = 64  # ngf / ndf of the conv nets
    num_classes: int = 0  # > 0 makes the model conditional: the label enters G and D
    # PacGAN (Lin et al. 2018): D judges `pack` samples concatenated into one input, so a
    # generator that repeats itself is easy to spot; 1 is the ordinary D. Batches must divide by it.
    pack: int = 1
    d_conditioning: str = "concat"  # how the label enters a conv D: concat (label planes) | projection
    # Self-conditioning (after Liu et al. 2020, "Diverse Image Generation via Self-Conditioned GANs"):
    # > 0 sorts the training images into this many k-means clusters before training, and G and D take
    # an image's cluster as its label. No human labels: to its users the model stays unconditional,
    # as the first latent coordinate picks the cluster, each as often as its share of the data.
    clusters: int = 0

    @property
    def label_classes(self) -> int:
        """How many labels the networks take: a conditional model's classes, or the clusters."""
        return self.num_classes or self.clusters


@dataclass(frozen=True)
class TrainConfig(_PlainConfig):
    loss: str = "bce"  # mse | bce | wgan-gp | hinge | elbo (VAE)
    optimizer: str = "adam"  # adam | sgd
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    # constant | cosine: both learning rates follow a cosine from their set value to 0 at `steps`,
    # so a run of known length ends on small, refining updates instead of the large ones it began with
    lr_schedule: str = "constant"
    n_critic: int = 1  # D updates per G update
    gp_lambda: float = 10.0
    batch_size: int = 64
    steps: int = 2000
    seed: int = 0
    log_every: int = 10
    sample_every: int = 100
    checkpoint_every: int = 0  # 0: only at the end
    probe_every: int = 200  # coverage measured every N steps when the trainer is given a probe
    divergence_threshold: float = 1e4  # a loss above this (or NaN) pauses the run
    precision: str = "auto"  # auto (bf16 forwards for conv nets where the device has bf16 units) | bf16 | fp32
    # Instance noise (Sønderby et al. 2016): Gaussian noise of this std (data units) is added to every
    # input D sees, real and fake, shrinking linearly to 0 at step `instance_noise_steps` (0: at `steps`).
    # Early on D is then smooth at the scale of the noise, so G feels a pull towards modes it has missed.
    instance_noise: float = 0.0
    instance_noise_steps: int = 0
    ema_decay: float = 0.0  # > 0: sample, evaluate and save an EMA of G's weights (e.g. 0.999)
    augment: str = ""  # DiffAugment policy for D's inputs, real and fake alike: "translation,cutout"


@dataclass(frozen=True)
class DenoiserConfig(_PlainConfig):
    """The residual denoiser (models/denoiser.py); one grey network, applied per channel to colour."""
    channels: int = 64  # feature maps at quarter resolution
    blocks: int = 6  # residual blocks
    critic_channels: int = 32
    # instance | none, inside the residual blocks. None by default: instance norm trained on patches
    # and run on whole images with its running statistics cost PSNR (README, Denoising)
    norm: str = "none"


@dataclass(frozen=True)
class DenoiseTrainConfig(_PlainConfig):
    noise: str = "gaussian"  # gaussian | poisson | speckle | salt-pepper (data/noise.py)
    content_loss: str = "l1"  # l1 | l2
    adv_weight: float = 0.0  # λ_adv: 0 is the fidelity preset; > 0 turns the WGAN-GP critic on
    lr_g: float = 1e-3
    lr_d: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.999)
    n_critic: int = 1
    gp_lambda: float = 10.0
    batch_size: int = 16
    patch: int = 64
    steps: int = 3000
    lr_schedule: str = "constant"  # constant | cosine (to 0 at the last step: the last steps refine)
    precision: str = "auto"  # auto (bf16 forwards where the CPU/GPU has bf16 units) | bf16 | fp32
    seed: int = 0
    log_every: int = 50
    # a denoiser entry whose shipped weights start this one (perceptual from fidelity), or a checkpoint's path stem
    init_from: str = ""
    # the training photos are also cut at these scales (DnCNN's multi-scale augmentation): structure at
    # more sizes, and a downscaled photo's own grain and JPEG blocks shrink below what the noise covers
    scales: tuple[float, ...] = (1.0,)


@dataclass(frozen=True)
class CycleGANConfig(_PlainConfig):
    """Two ResNet generators (A→B, B→A) and two PatchGAN discriminators (CycleGAN, Zhu et al. 2017)."""

    channels: int = 3  # image channels of both domains (1 grey, 3 colour)
    base_channels: int = 32  # ngf: width of the first generator layer (the paper: 64)
    n_blocks: int = 6  # residual blocks at 1/4 resolution (the paper: 6 for 128², 9 for 256²)
    d_channels: int = 32  # ndf: width of the first discriminator layer (the paper: 64)
    d_layers: int = 3  # stride-2 layers of the PatchGAN; 3 gives the paper's 70×70 receptive field


@dataclass(frozen=True)
class CycleTrainConfig(_PlainConfig):
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    lambda_cycle: float = 10.0  # λ of the paper
    identity_ratio: float = 0.5  # λ_id = identity_ratio · λ_cycle, as in the paper's photo↔painting runs
    pool_size: int = 50  # past fakes the discriminators also see (Shrivastava et al.)
    batch_size: int = 1
    crop: int = 64  # training crops are crop × crop, randomly placed and flipped
    steps: int = 4000
    decay_from: int = 2000  # learning rate falls linearly to 0 from this step to `steps`
    seed: int = 0
    log_every: int = 50
