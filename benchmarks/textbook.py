"""The textbook 28×28 DCGAN recipe, as overrides of the dcgan-mnist entry.

dcgan-mnist now ships a wider, spectral-norm recipe (README: MNIST after a CPU budget). The speed,
memory and Stacked MNIST benchmarks keep measuring the textbook network their README figures were
taken with: 32 base channels, batch-norm D, BCE, no augmentation.
"""

TEXTBOOK_MODEL = {"base_channels": 32, "d_norm": "batch"}
TEXTBOOK_TRAIN = {"loss": "bce", "augment": ""}
