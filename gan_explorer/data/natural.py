"""Natural photographs shipped inside installed packages, for training and testing the denoiser offline.

scikit-image's sample photos, plus the photos that scikit-learn (china, flower), matplotlib
(grace_hopper) and Gradio (two cheetahs, a lion, the Eiffel tower, a film still) ship:
scikit-image's set leans towards textures and micrographs, and these add the everyday scenes
(buildings, animals, a flower, faces) that users' photos look like.

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
# (Gradio's test_data/cheetah2.jpg is left out: its background is a baked-in transparency chequerboard)
OTHER_TRAIN_PHOTOS = (("sklearn", "datasets/images", "china.jpg"), ("sklearn", "datasets/images", "flower.jpg"),
                      ("matplotlib", "mpl-data/sample_data", "grace_hopper.jpg"),
                      *(("gradio", "media_assets/images", name)
                        for name in ("cheetah.jpg", "cheetah1.jpg", "lion.jpg", "tower.jpg", "groot.jpeg")))
# Patches are drawn in proportion to each image's area up to this many pixels: uncapped, the
# 2-megapixel retina and the mostly black Hubble field supplied 42% of all training patches.
AREA_CAP = 512 * 512


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


def rescaled(images: list[np.ndarray], scales: tuple[float, ...]) -> list[np.ndarray]:
    """Every image at every scale (1.0: as it is), resized with a Lanczos filter."""
    out = []
    for scale in scales:
        if not 0 < scale <= 1:
            raise ValueError(f"scales must be in (0, 1], not {scale}")
        for im in images:
            if scale == 1:
                out.append(im)
                continue
            size = (max(1, round(im.shape[1] * scale)), max(1, round(im.shape[0] * scale)))
            small = Image.fromarray(im).resize(size, Image.Resampling.LANCZOS)  # mode F: float32 in, float32 out
            out.append(np.clip(np.asarray(small, dtype=np.float32), 0, 1))
    return out


class PatchSampler:
    """Random square patches (with random flips and 90° turns) from a list of grey images."""

    def __init__(self, images: list[np.ndarray], patch: int, area_cap: int | None = None) -> None:
        self.images = [torch.from_numpy(im) for im in images if min(im.shape) >= patch]
        if not self.images:
            raise ValueError(f"no image is at least {patch} pixels on each side")
        self.patch = patch
        # images are drawn in proportion to their area (up to area_cap), so within an image every pixel is
        # equally likely and a few huge images cannot crowd the others out
        areas = torch.tensor([float(min(im.numel(), area_cap or im.numel())) for im in self.images])
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
