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
