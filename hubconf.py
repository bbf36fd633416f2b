"""Torch Hub entry points: one function per zoo entry, each a thin call into gan_explorer.zoo.

    model = torch.hub.load("path/to/gan-explorer", "dcgan_mnist", source="local")
    images = model.sample(16, seed=0)

Hub names use underscores where zoo names use hyphens (Python function names).
"""

dependencies = ["torch", "safetensors"]

from gan_explorer import zoo as _zoo  # noqa: E402


def pattern1010(pretrained: bool = True, device: str | None = None):
    """The 1010 pattern (textbook GAN)."""
    return _zoo.load("pattern1010", pretrained=pretrained, device=device)


def sine_gan(pretrained: bool = True, device: str | None = None):
    """Sine curves."""
    return _zoo.load("sine-gan", pretrained=pretrained, device=device)


def ring_gan(pretrained: bool = True, device: str | None = None):
    """2-D ring of 8 Gaussians."""
    return _zoo.load("ring-gan", pretrained=pretrained, device=device)


def grid_gan(pretrained: bool = True, device: str | None = None):
    """2-D grid of 25 Gaussians."""
    return _zoo.load("grid-gan", pretrained=pretrained, device=device)


def mnist_mlp_naive(pretrained: bool = True, device: str | None = None):
    """MNIST, naive MLP recipe."""
    return _zoo.load("mnist-mlp-naive", pretrained=pretrained, device=device)


def mnist_mlp_improved(pretrained: bool = True, device: str | None = None):
    """MNIST, improved MLP recipe."""
    return _zoo.load("mnist-mlp-improved", pretrained=pretrained, device=device)


def dcgan_mnist(pretrained: bool = True, device: str | None = None):
    """MNIST, DCGAN 28×28."""
    return _zoo.load("dcgan-mnist", pretrained=pretrained, device=device)


def dcgan_mnist_clusters(pretrained: bool = True, device: str | None = None):
    """MNIST, self-conditioned DCGAN (k-means clusters of the digits as its labels)."""
    return _zoo.load("dcgan-mnist-clusters", pretrained=pretrained, device=device)


def cgan_mnist(pretrained: bool = True, device: str | None = None):
    """MNIST, conditional DCGAN."""
    return _zoo.load("cgan-mnist", pretrained=pretrained, device=device)


def cgan_mnist_mlp(pretrained: bool = True, device: str | None = None):
    """MNIST, conditional MLP GAN."""
    return _zoo.load("cgan-mnist-mlp", pretrained=pretrained, device=device)


def wgan_gp_mnist(pretrained: bool = True, device: str | None = None):
    """MNIST, WGAN-GP."""
    return _zoo.load("wgan-gp-mnist", pretrained=pretrained, device=device)


def dcgan_faces(pretrained: bool = True, device: str | None = None):
    """Faces, DCGAN 64×64."""
    return _zoo.load("dcgan-faces", pretrained=pretrained, device=device)


def vae_mnist(pretrained: bool = True, device: str | None = None):
    """MNIST, variational autoencoder."""
    return _zoo.load("vae-mnist", pretrained=pretrained, device=device)


# Image-to-image entries: they take images rather than noise (no sample()); CPU models in eval mode.


def denoise_gaussian(pretrained: bool = True):
    """Blind Gaussian denoiser, fidelity preset: model(x) on N×1×H×W in [0, 1], H and W even
    (gan_explorer.denoise.denoise takes any image, colour too, and tiles large ones)."""
    return _zoo.load_denoiser("denoise-gaussian", pretrained=pretrained)


def denoise_gaussian_perceptual(pretrained: bool = True):
    """Blind Gaussian denoiser, perceptual preset (WGAN-GP fine-tuned)."""
    return _zoo.load_denoiser("denoise-gaussian-perceptual", pretrained=pretrained)


def denoise_poisson(pretrained: bool = True):
    """Blind Poisson (photon) noise denoiser."""
    return _zoo.load_denoiser("denoise-poisson", pretrained=pretrained)


def denoise_poisson_perceptual(pretrained: bool = True):
    """Blind Poisson (photon) noise denoiser, perceptual preset (WGAN-GP fine-tuned)."""
    return _zoo.load_denoiser("denoise-poisson-perceptual", pretrained=pretrained)


def denoise_speckle(pretrained: bool = True):
    """Blind speckle (multiplicative) noise denoiser."""
    return _zoo.load_denoiser("denoise-speckle", pretrained=pretrained)


def denoise_speckle_perceptual(pretrained: bool = True):
    """Blind speckle (multiplicative) noise denoiser, perceptual preset (WGAN-GP fine-tuned)."""
    return _zoo.load_denoiser("denoise-speckle-perceptual", pretrained=pretrained)


def denoise_salt_pepper(pretrained: bool = True):
    """Blind salt-and-pepper noise denoiser."""
    return _zoo.load_denoiser("denoise-salt-pepper", pretrained=pretrained)


def denoise_salt_pepper_perceptual(pretrained: bool = True):
    """Blind salt-and-pepper noise denoiser, perceptual preset (WGAN-GP fine-tuned)."""
    return _zoo.load_denoiser("denoise-salt-pepper-perceptual", pretrained=pretrained)


def cyclegan_photo_sketch(pretrained: bool = True):
    """CycleGAN photo ↔ edge sketch (grey): model.translate(x, "a2b" | "b2a") on N×1×H×W in [0, 1]."""
    return _zoo.load_translator("cyclegan-photo-sketch", pretrained=pretrained)
