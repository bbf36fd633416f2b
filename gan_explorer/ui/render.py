"""Pictures for the explorer tabs: one latent, interpolation strips, seed arithmetic, class grids.

Every function takes plain values (entry name, seed, slider values), validates them
with messages a visitor can act on (ValueError / KeyError), and returns H×W×3 uint8.
The fast slider route, the Gradio events and the public API all call these, so one
set of values always gives the same picture, whichever way it was asked for.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from urllib.parse import urlencode

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from gan_explorer import latent, visualize, zoo  # noqa: E402
from gan_explorer.ui import state  # noqa: E402

LATENT_SLIDERS = 8  # sliders for the first latent dimensions
SLIDER_LIMIT = 4.0  # |value| bound of a normal latent slider; uniform latents live in [0, 1]
MAX_COUNT = 400  # most samples one picture may show


def kind_of(entry: str) -> str:
    """'image', 'points' (2-D), 'pattern' (the four 1010 values) or 'curves'."""
    shape = zoo.entry(entry).model.data_shape
    if len(shape) == 3:
        return "image"
    return {2: "points", 4: "pattern"}.get(shape[0], "curves")


def slider_range(entry: str) -> tuple[float, float]:
    if zoo.entry(entry).model.latent_distribution == "uniform":
        return 0.0, 1.0
    return -SLIDER_LIMIT, SLIDER_LIMIT


def _floats(values, name: str) -> tuple[float, ...]:
    """A list of numbers, or a comma-separated string of them (as in a shared link)."""
    if values is None or values == "":
        return ()
    if isinstance(values, str):
        values = values.split(",")
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers, got {values!r}") from None
    if not all(math.isfinite(v) for v in out):
        raise ValueError(f"{name} must be finite numbers, got {values!r}")
    return out


def check_label(entry: str, label) -> int | None:
    """The class label for a conditional entry (0 … K−1); None for unconditional ones."""
    classes = zoo.entry(entry).model.num_classes
    if not classes:
        return None
    try:
        value = float(label)
    except (TypeError, ValueError):
        raise ValueError(f"class must be a whole number in 0 … {classes - 1}, not {label!r}") from None
    if not math.isfinite(value) or value != int(value) or not 0 <= value < classes:
        raise ValueError(f"class must be a whole number in 0 … {classes - 1}, not {label!r}")
    return int(value)


def check_count(count, low: int = 1, high: int = MAX_COUNT, name: str = "count") -> int:
    try:
        value = float(count)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number in {low} … {high}, not {count!r}") from None
    if not math.isfinite(value) or value != int(value) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number in {low} … {high}, not {count!r}")
    return int(value)


@dataclass(frozen=True)
class LatentView:
    """What the latent explorer shows: everything a shared link carries."""

    entry: str
    seed: int
    dims: tuple[float, ...] = ()
    pcs: tuple[float, ...] = ()
    label: int | None = None

    @classmethod
    def parse(cls, entry: str, seed, dims=None, pcs=None, label=None) -> LatentView:
        e = zoo.entry(entry)
        dims, pcs = _floats(dims, "latent values"), _floats(pcs, "direction offsets")
        room = min(LATENT_SLIDERS, e.model.latent_dim)
        if len(dims) > room:
            raise ValueError(f"{entry} takes at most {room} latent values, got {len(dims)}")
        low, high = slider_range(entry)
        if any(not low <= v <= high for v in dims):
            raise ValueError(f"latent values of {entry} must lie in {low:g} … {high:g}")
        if len(pcs) > min(state.PCA_COMPONENTS, e.model.latent_dim):
            raise ValueError(f"{entry} has at most {min(state.PCA_COMPONENTS, e.model.latent_dim)} directions")
        if any(abs(v) > SLIDER_LIMIT for v in pcs):
            raise ValueError(f"direction offsets must lie in {-SLIDER_LIMIT:g} … {SLIDER_LIMIT:g}")
        label = check_label(entry, 0 if label in (None, "") else label)
        return cls(entry, latent.check_seed(seed), dims, pcs, label)

    def query(self) -> dict[str, str]:
        q = {"entry": self.entry, "seed": str(self.seed)}
        if self.dims:
            q["dims"] = ",".join(f"{v:g}" for v in self.dims)
        if self.pcs:
            q["pcs"] = ",".join(f"{v:g}" for v in self.pcs)
        if self.label is not None:
            q["label"] = str(self.label)
        return q

    def url(self, route: str = "gan/latent.png", **extra) -> str:
        return f"{route}?{urlencode({**self.query(), **extra})}"


def seed_values(entry: str, seed) -> list[float]:
    """The first slider values of a seed's latent, rounded to the sliders' step and clipped to their range."""
    loaded = state.MODELS.get(entry)
    z = latent.latent_for_seed(loaded.model, latent.check_seed(seed))
    low, high = slider_range(entry)
    return [round(min(max(float(v), low), high), 2) for v in z[:LATENT_SLIDERS]]


def seed_latent(entry: str, seed) -> list[float]:
    """A seed's whole latent: the page composes slider values onto it exactly as latent_vector does."""
    return latent.latent_for_seed(state.MODELS.get(entry).model, latent.check_seed(seed)).tolist()


def latent_vector(view: LatentView) -> torch.Tensor:
    loaded = state.MODELS.get(view.entry)
    base = latent.latent_for_seed(loaded.model, view.seed)
    directions = loaded.directions() if view.pcs else None
    return latent.compose(base, view.dims, view.pcs, directions)


def _generate(entry: str, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    loaded = state.MODELS.get(entry)
    with loaded.lock:
        return loaded.model.generate(z, labels).cpu()


def _labels(view_label: int | None, n: int) -> torch.Tensor | None:
    return None if view_label is None else torch.full((n,), view_label, dtype=torch.long)


def latent_picture(view: LatentView) -> np.ndarray:
    z = latent_vector(view)[None]
    sample = _generate(view.entry, z, _labels(view.label, 1))
    kind = kind_of(view.entry)
    if kind == "image":
        return visualize.image_grid(sample, nrow=1, padding=0)
    if kind == "points":
        return _point_in_cloud(view.entry, sample[0])
    return visualize.render(sample)


def _point_in_cloud(entry: str, point: torch.Tensor) -> np.ndarray:
    """Where one latent lands (orange star) among the generator's cloud (purple) and the data (grey)."""
    loaded = state.MODELS.get(entry)
    with loaded.lock:
        cloud = loaded.model.sample(500, seed=0).cpu().numpy()
    real = state.real_samples(zoo.entry(entry).dataset, 1000).numpy()
    limit = float(np.abs(real).max()) * 1.3
    fig, ax = plt.subplots(figsize=(3.6, 3.6), dpi=90)
    ax.scatter(real[:, 0], real[:, 1], s=3, c="#9e9e9e", alpha=0.5, label="real")
    ax.scatter(cloud[:, 0], cloud[:, 1], s=3, c="#6a1b9a", alpha=0.4, label="generated")
    ax.scatter([float(point[0])], [float(point[1])], s=160, marker="*", c="#ef6c00", edgecolors="black",
               linewidths=0.6, label="this latent", zorder=3)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, markerscale=1)
    fig.tight_layout()
    return visualize.figure_to_array(fig)


def png_bytes(array: np.ndarray, scale: int = 1) -> bytes:
    """PNG of an H×W×3 array; grey pictures are stored as one channel (a third of the bytes)."""
    image = Image.fromarray(array)
    grey = array.ndim == 3 and (array == array[..., :1]).all()
    if grey:
        image = image.convert("L")
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # speed over bytes: these are tiny
    return buffer.getvalue()


def upscale(array: np.ndarray, min_side: int = 256) -> np.ndarray:
    """Nearest-neighbour enlargement so 28-pixel digits are visible without blurring."""
    factor = max(1, min_side // max(1, min(array.shape[:2])))
    return array.repeat(factor, 0).repeat(factor, 1) if factor > 1 else array


# ---- strips, arithmetic and class grids -------------------------------------------------------

def _draw(entry: str, samples: torch.Tensor, nrow: int) -> np.ndarray:
    kind = kind_of(entry)
    if kind == "image":
        return visualize.image_grid(samples, nrow=nrow)
    if kind == "pattern":
        return visualize.pattern_bars(samples, count=len(samples))
    return visualize.render(samples)


def interpolation_picture(entry: str, seed_a, seed_b, steps, method: str = "slerp", label=None) -> np.ndarray:
    """`steps` pictures from seed A's latent to seed B's, by 'slerp' or 'lerp' (label: conditional entries)."""
    steps = check_count(steps, 2, 16, "steps")
    label = check_label(entry, 0 if label in (None, "") else label)
    model = state.MODELS.get(entry).model
    a, b = latent.latent_for_seed(model, seed_a), latent.latent_for_seed(model, seed_b)
    path = latent.interpolate(a, b, steps, method)
    return upscale(_draw(entry, _generate(entry, path, _labels(label, steps)), nrow=steps), 96)


def arithmetic_picture(entry: str, seed_a, seed_b, seed_c, label=None) -> np.ndarray:
    """A, B, C and A + B − C side by side, each captioned with its seed."""
    label = check_label(entry, 0 if label in (None, "") else label)
    model = state.MODELS.get(entry).model
    seeds = [latent.check_seed(s) for s in (seed_a, seed_b, seed_c)]
    a, b, c = (latent.latent_for_seed(model, s) for s in seeds)
    z = torch.stack([a, b, c, latent.arithmetic(a, b, c)])
    samples = _generate(entry, z, _labels(label, 4))
    # ASCII signs: Pillow's built-in font has no U+2212 minus
    captions = [f"A = seed {seeds[0]}", f"B = seed {seeds[1]}", f"C = seed {seeds[2]}", "A + B - C"]
    if kind_of(entry) != "image":
        pictures = [_draw(entry, samples[i : i + 1], 1) for i in range(4)]
    else:
        pictures = [upscale(visualize.image_grid(samples[i : i + 1], nrow=1, padding=0), 112) for i in range(4)]
    return captioned_row(pictures, captions, operators=["+", "-", "="])


def captioned_row(pictures: list[np.ndarray], captions: list[str], operators: list[str] | None = None) -> np.ndarray:
    """Pictures in a row on white, a caption under each and an operator sign between them."""
    gap, caption_h = 40, 26
    font, sign_font = ImageFont.load_default(size=14), ImageFont.load_default(size=26)
    height = max(p.shape[0] for p in pictures)
    width = sum(p.shape[1] for p in pictures) + gap * (len(pictures) - 1)
    canvas = Image.new("RGB", (width, height + caption_h), "white")
    draw = ImageDraw.Draw(canvas)
    x = 0
    for i, (picture, caption) in enumerate(zip(pictures, captions, strict=True)):
        canvas.paste(Image.fromarray(picture), (x, (height - picture.shape[0]) // 2))
        draw.text((x + picture.shape[1] / 2, height + 6), caption, fill="black", font=font, anchor="mt")
        x += picture.shape[1]
        if operators and i < len(operators):
            draw.text((x + gap / 2, height / 2), operators[i], fill="black", font=sign_font, anchor="mm")
        x += gap
    return np.array(canvas)


def class_picture(entry: str, label, seed, count=16) -> np.ndarray:
    """``count`` samples of one class, each from its own latent."""
    label = check_label(entry, label)
    if label is None:
        raise ValueError(f"{entry} is not conditional: pick a conditional GAN")
    count = check_count(count, 1, 100)
    model = state.MODELS.get(entry).model
    z = model.sample_latent(count, generator=torch.Generator().manual_seed(latent.check_seed(seed)), device="cpu")
    samples = _generate(entry, z, _labels(label, count))
    return upscale(_draw(entry, samples, nrow=int(math.ceil(math.sqrt(count)))), 320)


def class_style_picture(entry: str, seed, rows=6) -> np.ndarray:
    """Rows share a latent (the style), columns are the classes 0 … K−1."""
    classes = zoo.entry(entry).model.num_classes
    if not classes:
        raise ValueError(f"{entry} is not conditional: pick a conditional GAN")
    rows = check_count(rows, 1, 12, "rows")
    model = state.MODELS.get(entry).model
    z = model.sample_latent(rows, generator=torch.Generator().manual_seed(latent.check_seed(seed)), device="cpu")
    z = z.repeat_interleave(classes, dim=0)  # row r repeats its latent once per class
    labels = torch.arange(classes).repeat(rows)
    return upscale(_draw(entry, _generate(entry, z, labels), nrow=classes), 320)
