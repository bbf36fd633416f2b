"""Natural photographs shipped inside installed packages, for training and testing the denoiser offline.

scikit-image's sample photos, plus three more photos that scikit-learn (china, flower) and
matplotlib (grace_hopper) ship: scikit-image's set leans towards textures and micrographs, and
these add the everyday scenes (buildings, a flower, a face) that users' photos look like.

The split is FIXED by file name: the held-out images are never cut into training patches.
Colour photographs are converted to grey (ITU-R 601 luma): the denoiser is a grey network.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch
from PIL import Image

# scikit-image's own sample photographs; drawings, charts, chessboards and the 1-bit horse are left out
TRAIN_IMAGES = ("astronaut.png", "brick.png", "cell.png", "coffee.png", "grass.png", "gravel.png",
                "hubble_deep_field.jpg", "ihc.png", "moon.png", "motorcycle_left.png", "motorcycle_right.png",
                "page.png", "retina.jpg", "text.png")
HELD_OUT_IMAGES = ("camera.png", "coins.png", "chelsea.png", "rocket.jpg")
# training photos from other installed packages: (package, folder inside it, file)
OTHER_TRAIN_PHOTOS = (("sklearn", "datasets/images", "china.jpg"), ("sklearn", "datasets/images", "flower.jpg"),
                      ("matplotlib", "mpl-data/sample_data", "grace_hopper.jpg"))


def skimage_data_dir() -> Path:
    import skimage

    return Path(skimage.__file__).resolve().parent / "data"


def load_grey(path: str | Path) -> np.ndarray:
    """An image file as H×W float32 grey in [0, 1]."""
    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)  # found without importing the package
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the {package} package is not installed (pip install -r requirements.txt)")
    return Path(spec.submodule_search_locations[0])


def natural_images(split: str) -> dict[str, np.ndarray]:
    """{file name: grey image} of the "train" or "test" (held-out) split."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    folder = skimage_data_dir()
    if split == "test":
        return {name: load_grey(folder / name) for name in HELD_OUT_IMAGES}
    images = {name: load_grey(folder / name) for name in TRAIN_IMAGES}
    for package, inside, name in OTHER_TRAIN_PHOTOS:
        images[name] = load_grey(_package_dir(package) / inside / name)
    return images


def train_source() -> str:
    """The training photos, in words, for checkpoints' manifests."""
    others = ", ".join(f"{name} ({package})" for package, _, name in OTHER_TRAIN_PHOTOS)
    return f"scikit-image sample photos {', '.join(TRAIN_IMAGES)} and {others}"


class PatchSampler:
    """Random square patches (with random flips and 90° turns) from a list of grey images."""

    def __init__(self, images: list[np.ndarray], patch: int) -> None:
        self.images = [torch.from_numpy(im) for im in images if min(im.shape) >= patch]
        if not self.images:
            raise ValueError(f"no image is at least {patch} pixels on each side")
        self.patch = patch
        # images are drawn in proportion to their area, so every pixel is about equally likely
        areas = torch.tensor([float(im.numel()) for im in self.images])
        self.weights = areas / areas.sum()

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """N×1×P×P floats in [0, 1]."""
        p = self.patch
        picks = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        out = torch.empty(n, 1, p, p)
        for i, k in enumerate(picks.tolist()):
            im = self.images[k]
            y = int(torch.randint(0, im.shape[0] - p + 1, (1,), generator=generator))
            x = int(torch.randint(0, im.shape[1] - p + 1, (1,), generator=generator))
            patch = im[y:y + p, x:x + p]
            turns = int(torch.randint(0, 4, (1,), generator=generator))
            patch = torch.rot90(patch, turns)
            if bool(torch.randint(0, 2, (1,), generator=generator)):
                patch = patch.flip(1)
            out[i, 0] = patch
        return out
