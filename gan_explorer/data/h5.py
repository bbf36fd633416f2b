"""Image folders packed into one HDF5 file, and a lazy reader that samples batches from it.

Decoding thousands of JPEGs every epoch dominates a small GAN's training time; packing them once
into a chunked uint8 array makes every later read a plain slice of one file.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import os
from pathlib import Path

import h5py
import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from gan_explorer.data.base import check_split, resize

log = logging.getLogger(__name__)

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif")
FORMAT = "gan_explorer.images/1"
HELD_OUT_EVERY = 20  # every 20th image (5%) is held out; spread over the file so every class is represented


@dataclasses.dataclass
class PackReport:
    written: int
    skipped: list[tuple[str, str]]  # (file, why it could not be read)


def _image_files(src: Path) -> list[Path]:
    return sorted((p for p in src.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS),
                  key=lambda p: p.relative_to(src).as_posix())


def _class_names(src: Path, files: list[Path]) -> list[str] | None:
    """Class subfolder names when every image sits inside a top-level subfolder, else None (no labels)."""
    tops = [p.relative_to(src).parts for p in files]
    if not tops or any(len(parts) < 2 for parts in tops):
        return None
    return sorted({parts[0] for parts in tops})


def _square_rgb(path: Path, size: int) -> np.ndarray:
    """size×size×3 uint8: the image's centred square, resized."""
    with Image.open(path) as img:
        img = img.convert("RGB")  # also decodes, so a truncated file fails here, inside the caller's try
    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.LANCZOS)
    return np.asarray(img, dtype=np.uint8)


def pack_folder(src_dir: str | Path, out_path: str | Path, size: int = 64, *, progress: bool = True) -> PackReport:
    """Pack every image under src_dir (recursively) into out_path: dataset "images" (N, 3, size, size) uint8.

    Class subfolders (every image inside a top-level folder) add a "labels" dataset and a "classes" attribute.
    Unreadable images are skipped and reported. The file appears atomically, complete or not at all.
    """
    src, out = Path(src_dir), Path(out_path)
    if not src.is_dir():
        raise FileNotFoundError(f"image folder not found: {src}")
    if size < 1:
        raise ValueError(f"size must be positive, not {size}")
    files = _image_files(src)
    if not files:
        raise ValueError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) found under {src}")
    classes = _class_names(src, files)
    class_index = {name: i for i, name in enumerate(classes or [])}

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    skipped: list[tuple[str, str]] = []
    written = 0
    try:
        with h5py.File(tmp, "w") as f:
            # one chunk per image: random batches then read whole chunks and nothing more
            images = f.create_dataset("images", (len(files), 3, size, size), dtype=np.uint8,
                                      chunks=(1, 3, size, size), maxshape=(None, 3, size, size))
            labels = f.create_dataset("labels", (len(files),), dtype=np.int64, maxshape=(None,)) if classes else None
            for path in tqdm(files, desc=f"packing {src.name}", unit="img", disable=not progress):
                try:
                    pixels = _square_rgb(path, size)
                except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
                    skipped.append((str(path), f"{type(error).__name__}: {error}"))
                    log.warning("skipped unreadable image %s: %s", path, error)
                    continue
                images[written] = pixels.transpose(2, 0, 1)
                if labels is not None:
                    labels[written] = class_index[path.relative_to(src).parts[0]]
                written += 1
            if written == 0:
                raise ValueError(f"none of the {len(files)} images under {src} could be read "
                                 f"(first error: {skipped[0][0]}: {skipped[0][1]})")
            images.resize((written, 3, size, size))  # drop the rows reserved for skipped files
            if labels is not None:
                labels.resize((written,))
            f.attrs.update(format=FORMAT, size=size, source=str(src.resolve()), count=written)
            if classes:
                f.attrs["classes"] = json.dumps(classes)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return PackReport(written, skipped)


class H5ImageSet:
    """Batches sampled straight from a packed file; only the requested images are read.

    Same batch protocol as Dataset: `sample(batch_size, generator) -> (x in [0, 1], labels | None)`.
    The file handle is opened on first use and reopened in a forked process, since HDF5 handles
    must not cross a fork.
    """

    def __init__(self, path: str | Path, split: str = "train", *, image_size: int | None = None):
        check_split(split)
        self.path = Path(path)
        self.split = split
        self.image_size = image_size
        self.device = torch.device("cpu")
        if not self.path.is_file():
            raise FileNotFoundError(f"HDF5 image file not found: {self.path}")
        try:
            f = h5py.File(self.path, "r")
        except OSError as error:
            raise ValueError(f"{self.path} is not a readable HDF5 file ({error}); "
                             f"make one with `python -m gan_explorer pack FOLDER {self.path.name}`") from None
        with f:
            images = f.get("images")
            if not isinstance(images, h5py.Dataset) or images.ndim != 4 or images.shape[1] not in (1, 3) \
                    or images.dtype != np.uint8:
                found = "no 'images' dataset" if images is None else f"'images' {getattr(images, 'shape', '?')}"
                raise ValueError(f"{self.path} does not hold packed images: expected an 'images' dataset of "
                                 f"uint8 (N, C, H, W) with C = 1 or 3, found {found}")
            total = images.shape[0]
            all_labels = torch.from_numpy(f["labels"][()]).long() if "labels" in f else None
            classes = json.loads(f.attrs["classes"]) if "classes" in f.attrs else None
            self.shape = tuple(images.shape[1:])
        held_out = np.arange(total) % HELD_OUT_EVERY == HELD_OUT_EVERY - 1
        self.indices = np.flatnonzero(held_out if split == "test" else ~held_out)
        if len(self.indices) == 0:
            raise ValueError(f"{self.path} holds {total} images, too few for a {split} split "
                             f"(every {HELD_OUT_EVERY}th image is held out)")
        self.labels = None if all_labels is None else all_labels[torch.from_numpy(self.indices)]
        self.classes = classes
        self.num_classes = len(classes) if classes else None
        self.name = self.path.stem
        role = "held-in" if split == "train" else "held-out"
        self.source = (f"HDF5 images packed from a folder ({len(self.indices):,} {role} images of "
                       f"{self.shape[1]}×{self.shape[2]}) read lazily from {self.path}")
        self.offline_fallback = False
        self._file: h5py.File | None = None
        self._pid: int | None = None

    def __len__(self) -> int:
        return len(self.indices)

    def _images(self) -> h5py.Dataset:
        if self._file is None or self._pid != os.getpid():
            self._file = h5py.File(self.path, "r")
            self._pid = os.getpid()
        return self._file["images"]

    def sample(self, batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
        """batch_size random images of this split (with replacement), float in [0, 1] on self.device."""
        picks = torch.randint(len(self.indices), (batch_size,), generator=generator).numpy()
        # h5py fancy indexing wants strictly increasing indices: read each distinct image once, then expand
        wanted, inverse = np.unique(self.indices[picks], return_inverse=True)
        block = torch.from_numpy(self._images()[wanted])[torch.from_numpy(inverse)]
        x = resize(block.float().div_(255.0), self.image_size).to(self.device)
        labels = None if self.labels is None else self.labels[torch.from_numpy(picks)].to(self.device)
        return x, labels

    def to(self, device: torch.device | str) -> H5ImageSet:
        """A copy whose batches land on device (it opens its own file handle)."""
        moved = copy.copy(self)
        moved.device = torch.device(device)
        moved._file = None
        return moved

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
