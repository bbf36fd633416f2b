"""Two unpaired image domains for CycleGAN: random crops and flips from domain A and domain B.

Sources: two image folders (any sizes, e.g. horse2zebra's trainA/ and trainB/), one folder holding
trainA/trainB/testA/testB, or the offline default ``photo-sketch``: grey photos ↔ edge sketches
(Sobel edges as dark pencil lines on white), built from scikit-image's sample images. The photos of domain A and the
sketches of domain B come from DISJOINT images, so no photo is ever seen with its own sketch; the
held-out images (``split="test"``) are used in neither and come with both versions, a paired
reference for measuring the unpaired translation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from gan_explorer.data.base import check_split

WORKING_SIDE = 256  # the offline pair's scale: the longer side of every image, in pixels
OFFLINE_SCALES = (192, 256, 320)  # training sees each image at these longer sides: scale augmentation
SKETCH_SIGMA = 1.0  # Gaussian smoothing before the Sobel filter, in pixels
SKETCH_GAIN = 5.0  # gradient magnitude -> ink; fixed, so one photo's sketch does not depend on another's
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")

# Natural photos shipped in skimage/data, split by IMAGE so the two domains never share one.
# motorcycle_left and _right show the same scene, so both stay on the photo side.
PHOTO_IMAGES = ("astronaut", "coffee", "rocket", "motorcycle_left", "motorcycle_right", "coins", "grass")
SKETCH_IMAGES = ("chelsea", "page", "retina", "gravel", "ihc", "text")
HELD_OUT_IMAGES = ("camera", "brick", "cell")
DATASETS = {
    "photo-sketch": "grey photo patches ↔ edge sketches of other photos (scikit-image samples, offline)",
}


@dataclass
class UnpairedImages:
    """Images of two domains, each a list of C×H×W tensors in [0, 1] (sizes may differ)."""

    a: list[torch.Tensor]
    b: list[torch.Tensor]
    source: str
    channels: int

    def sample(self, domain: str, batch_size: int, crop: int, generator: torch.Generator) -> torch.Tensor:
        """batch_size random crop × crop patches of one domain ("a" or "b"), each maybe mirrored."""
        images = self.a if domain == "a" else self.b
        patches = []
        for _ in range(batch_size):
            image = images[int(torch.randint(len(images), (1,), generator=generator))]
            h, w = image.shape[-2:]
            if min(h, w) < crop:  # small images are enlarged to the crop, never padded
                image = F.interpolate(image[None], scale_factor=crop / min(h, w), mode="bilinear",
                                      align_corners=False)[0].clamp(0, 1)
                h, w = image.shape[-2:]
            top = int(torch.randint(h - crop + 1, (1,), generator=generator))
            left = int(torch.randint(w - crop + 1, (1,), generator=generator))
            patch = image[:, top:top + crop, left:left + crop]
            if bool(torch.rand((), generator=generator) < 0.5):
                patch = patch.flip(-1)
            patches.append(patch)
        return torch.stack(patches)


def _skimage_grey(name: str, side: int) -> np.ndarray:
    """scikit-image's shipped sample ``name`` (a file in skimage/data), grey, longer side ``side``."""
    import skimage
    from skimage.color import rgb2gray
    from skimage.io import imread
    from skimage.transform import resize

    folder = Path(skimage.__file__).parent / "data"
    image = imread(next(folder / f"{name}{ext}" for ext in (".png", ".jpg") if (folder / f"{name}{ext}").exists()))
    if image.ndim == 3:
        image = rgb2gray(image[..., :3])
    image = image.astype(np.float64)
    image = image / 255.0 if image.max() > 1.0 else image
    h, w = image.shape
    scale = side / max(h, w)
    return resize(image, (round(h * scale), round(w * scale)), anti_aliasing=True).astype(np.float32)


def sketch_of(grey: np.ndarray) -> np.ndarray:
    """A pencil sketch of an H×W grey image in [0, 1]: Sobel edge strength as dark ink on white.

    Soft Sobel lines rather than thin binary Canny ones: a first CPU run on Canny sketches learnt to
    answer with a blank page (sparse one-pixel lines make blank the easiest sketch to fake)."""
    from skimage.filters import gaussian, sobel

    return np.clip(1.0 - SKETCH_GAIN * sobel(gaussian(grey, SKETCH_SIGMA)), 0.0, 1.0).astype(np.float32)


def _tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image))[None]  # 1×H×W


def photo_sketch(split: str = "train") -> UnpairedImages:
    """The offline pair. train: photos of PHOTO_IMAGES vs sketches of SKETCH_IMAGES at several scales;
    test: the HELD_OUT_IMAGES at WORKING_SIDE, photo in ``a`` and its own sketch at the same index in ``b``."""
    check_split(split)
    if split == "test":
        photos = [_skimage_grey(name, WORKING_SIDE) for name in HELD_OUT_IMAGES]
        return UnpairedImages([_tensor(p) for p in photos], [_tensor(sketch_of(p)) for p in photos],
                              f"held-out scikit-image photos {', '.join(HELD_OUT_IMAGES)} and their sketches", 1)
    a = [_tensor(_skimage_grey(name, side)) for name in PHOTO_IMAGES for side in OFFLINE_SCALES]
    b = [_tensor(sketch_of(_skimage_grey(name, side))) for name in SKETCH_IMAGES for side in OFFLINE_SCALES]
    return UnpairedImages(a, b, f"photos of {len(PHOTO_IMAGES)} scikit-image samples ↔ edge sketches of "
                                f"{len(SKETCH_IMAGES)} others (disjoint), at longer sides {OFFLINE_SCALES}", 1)


def _folder_images(folder: Path, channels: int, max_side: int) -> list[torch.Tensor]:
    from gan_explorer.images import ImageInputError, read_image

    if not folder.is_dir():
        raise FileNotFoundError(f"image folder not found: {folder}")
    images = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        try:
            pixels = read_image(path).pixels
        except ImageInputError:
            continue  # a stray unreadable file in a big folder should not stop training
        images.append(fit_channels(torch.from_numpy(pixels), channels, max_side))
    if not images:
        raise ValueError(f"no readable images in {folder} ({', '.join(IMAGE_SUFFIXES)})")
    return images


def fit_channels(pixels: torch.Tensor, channels: int, max_side: int) -> torch.Tensor:
    """H×W or H×W×3 floats -> C×H×W with ``channels`` channels, the longer side at most max_side."""
    x = pixels[None] if pixels.dim() == 2 else pixels.permute(2, 0, 1)
    if channels == 1 and x.shape[0] == 3:
        x = (x * torch.tensor([0.2125, 0.7154, 0.0721])[:, None, None]).sum(0, keepdim=True)  # as skimage's rgb2gray
    elif channels == 3 and x.shape[0] == 1:
        x = x.expand(3, -1, -1)
    h, w = x.shape[-2:]
    if max(h, w) > max_side:
        scale = max_side / max(h, w)
        x = F.interpolate(x[None], size=(max(1, round(h * scale)), max(1, round(w * scale))), mode="bilinear",
                          align_corners=False, antialias=True)[0]
    return x.clamp(0, 1).contiguous()


def load_unpaired(spec: str = "photo-sketch", split: str = "train", *, domain_a: str | Path | None = None,
                  domain_b: str | Path | None = None, channels: int = 3,
                  max_side: int = WORKING_SIDE) -> UnpairedImages:
    """Domains by name ("photo-sketch"), by a folder with trainA/trainB/testA/testB (horse2zebra's
    layout), or by two folders ``domain_a`` and ``domain_b`` (then ``spec`` is ignored)."""
    check_split(split)
    if domain_a is not None or domain_b is not None:
        if domain_a is None or domain_b is None:
            raise ValueError("give both --domain-a and --domain-b")
        a, b = Path(domain_a), Path(domain_b)
    elif spec == "photo-sketch":
        return photo_sketch(split)
    elif Path(spec).is_dir():
        suffix = "train" if split == "train" else "test"
        a, b = Path(spec) / f"{suffix}A", Path(spec) / f"{suffix}B"
    else:
        raise ValueError(f"unknown domain pair {spec!r}: use {', '.join(DATASETS)}, a folder with trainA/ and "
                         "trainB/, or --domain-a DIR --domain-b DIR")
    return UnpairedImages(_folder_images(a, channels, max_side), _folder_images(b, channels, max_side),
                          f"{a} ↔ {b}", channels)
