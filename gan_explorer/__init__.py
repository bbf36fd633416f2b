"""GAN Explorer: train, explore and inspect GANs in the browser."""

__version__ = "0.1.0"
