"""What the Mode collapse tab measures and draws, without Gradio.

Every figure comes from gan_explorer.metrics, the code behind ``python -m gan_explorer eval``
and the benchmarks; this module only chooses how many samples to draw (enough for stable
figures, few enough for a couple of seconds on a laptop CPU), arranges them for the eye
(one wall row per predicted digit, the closest pairs, each sample beside its nearest real
example) and draws the charts. The textbook comparison is cached per checkpoint.
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from gan_explorer import metrics, visualize, zoo  # noqa: E402
from gan_explorer.metrics import scores  # noqa: E402
from gan_explorer.metrics.report import protocol_of  # noqa: E402
from gan_explorer.ui import state  # noqa: E402
from gan_explorer.ui.strings import msg  # noqa: E402

# Samples scored per inspection. MNIST: 2,000 keep IS and KL within about ±0.02 of their
# 10,000-sample values at a second of CPU; 2-D: the protocol's own 2,500 (they cost nothing);
# other images (64×64 faces): 500, as G alone takes a second per 1,000 there.
EVAL_SAMPLES = {"mnist": 2000, "modes-2d": metrics.PROTOCOL_SAMPLES["ring"], "image": 500, "other": 2000}
REAL_NEIGHBOURS = 5000  # real examples searched for each wall sample's nearest neighbour (all when fewer)
DUPLICATE_PAIRS = 8  # closest pairs among the samples that the tab shows
MAX_PER_CLASS = 20  # wall columns per class row
CELL_SCALE = 2  # 28-pixel digits drawn at 56 pixels

LESSON_ENTRIES = ("mnist-mlp-naive", "mnist-mlp-improved", "dcgan-mnist")
LESSON_SAMPLES = 2000
LESSON_GRID = 24  # samples in each lesson card's picture (3 rows of 8)
LESSON_SEED = 0

PURPLE, GREY, ORANGE = "#6a1b9a", "#9e9e9e", "#ef6c00"


def sample_count(entry: str) -> int:
    e = zoo.entry(entry)
    protocol = protocol_of(e.dataset)
    if protocol in ("mnist", "modes-2d"):
        return EVAL_SAMPLES[protocol]
    return EVAL_SAMPLES["image" if len(e.model.data_shape) == 3 else "other"]


# ---------------------------------------------------------------- measuring


@dataclass
class Measured:
    """One inspection: the samples drawn and what gan_explorer.metrics says about them."""

    entry: str
    dataset: str
    seed: int
    samples: torch.Tensor  # n×… in the data's natural range, CPU
    result: dict  # metrics.evaluate_samples(...), with "real" beside the model's figures
    predictions: torch.Tensor | None  # the evaluator's digit for each sample (MNIST data only)
    seconds: float

    @property
    def protocol(self) -> str:
        return self.result["protocol"]


def measure(model, entry: str, seed: int, lock=None) -> Measured:
    """Draw the entry's sample count from ``model`` with ``seed`` and score it (a second or two).

    ``lock`` is held while the model runs, for a model that other visitors share."""
    start = time.perf_counter()
    dataset = zoo.entry(entry).dataset
    with lock or nullcontext():
        samples, labels = metrics.generate(model, sample_count(entry), seed)
    samples = samples.cpu()
    result = metrics.evaluate_samples(samples, dataset, labels=labels)
    predictions = metrics.load_evaluator().predict(samples).cpu() if result["protocol"] == "mnist" else None
    return Measured(entry, dataset, seed, samples, result, predictions, time.perf_counter() - start)


def real_examples(dataset: str) -> torch.Tensor:
    """The training rows that nearest neighbours are searched in (a fixed draw when there are many)."""
    source = state.dataset(dataset)
    x = getattr(source, "x", None)
    if x is not None and len(x) <= REAL_NEIGHBOURS:
        return x.cpu()
    return state.real_samples(dataset, REAL_NEIGHBOURS)


@dataclass
class Neighbours:
    index: torch.Tensor  # each sample's nearest real row
    rms: torch.Tensor  # its distance, as an RMS difference per value (Euclidean / √D)


def nearest_real(samples: torch.Tensor, real: torch.Tensor) -> Neighbours:
    dist, index = metrics.nearest_neighbours(samples, real)
    return Neighbours(index.cpu(), dist.cpu() / scores.rms_scale(samples))


def closest_pairs(samples: torch.Tensor, k: int = DUPLICATE_PAIRS) -> list[tuple[int, int, float]]:
    """The k most alike pairs of different samples, (i, j, RMS distance), closest first.

    A healthy generator's closest pair is still visibly two different digits; a collapsed
    one shows the same picture twice, at an RMS distance near 0."""
    if len(samples) < 2:
        return []
    dist, index = metrics.nearest_neighbours(samples, samples, exclude_self=True)
    rms = (dist / scores.rms_scale(samples)).cpu()
    index = index.cpu()
    pairs, seen = [], set()
    for i in torch.argsort(rms).tolist():
        key = tuple(sorted((i, int(index[i]))))
        if key in seen:
            continue
        seen.add(key)
        pairs.append((key[0], key[1], float(rms[i])))
        if len(pairs) == k:
            break
    return pairs


def mode_counts(result: dict) -> list[int]:
    """Per-mode high-quality counts, then the samples more than 3σ from every mode (2-D protocol)."""
    return [*result["counts"], result["samples"] - sum(result["counts"])]


# ---------------------------------------------------------------- pictures

_FONT_CACHE: dict[int, ImageFont.FreeTypeFont] = {}


def _font(size: int):
    if size not in _FONT_CACHE:
        _FONT_CACHE[size] = ImageFont.load_default(size=size)
    return _FONT_CACHE[size]


def _cells(images: torch.Tensor, scale: int) -> list[np.ndarray]:
    """Each image as an H×W×3 uint8 array, enlarged with hard pixel edges."""
    grid = [visualize.image_grid(images[i : i + 1], nrow=1, padding=0) for i in range(len(images))]
    return [g.repeat(scale, 0).repeat(scale, 1) if scale > 1 else g for g in grid]


def _scale_for(images: torch.Tensor) -> int:
    return CELL_SCALE if images.shape[-1] <= 32 else 1


def class_wall(samples: torch.Tensor, predictions: torch.Tensor, per_class: int, num_classes: int = 10) -> np.ndarray:
    """One row per predicted class: the class, how many of all samples it got, then up to
    ``per_class`` of them. A collapsed generator fills one or two rows and leaves the rest empty."""
    per_class = max(1, min(int(per_class), MAX_PER_CLASS))
    scale, gap = _scale_for(samples), 2
    cell = samples.shape[-1] * scale
    counts = torch.bincount(predictions, minlength=num_classes).tolist()
    total = max(1, len(predictions))
    shares = [f"{c} · {100 * c / total:.{0 if c == total else 1}f}%" for c in counts]
    label_w = 46 + int(max(_font(12).getlength(text) for text in shares))
    width, row_h = label_w + per_class * (cell + gap), cell + gap
    canvas = Image.new("RGB", (width, num_classes * row_h), "white")
    draw = ImageDraw.Draw(canvas)
    for k in range(num_classes):
        y = k * row_h
        if k % 2:
            draw.rectangle([0, y, width, y + row_h - 1], fill="#f4f4f4")
        draw.text((10, y + cell / 2), str(k), fill="black", font=_font(24), anchor="lm")
        draw.text((34, y + cell / 2), shares[k], fill="#555555" if counts[k] else "#c62828", font=_font(12),
                  anchor="lm")
        members = torch.nonzero(predictions == k).flatten()[:per_class]
        for j, picture in enumerate(_cells(samples[members], scale)):
            canvas.paste(Image.fromarray(picture), (label_w + j * (cell + gap), y + gap // 2))
    return np.array(canvas)


def pairs_picture(left: torch.Tensor, right: torch.Tensor, captions: list[str], per_row: int = 4) -> np.ndarray:
    """Pairs side by side (left[i] | right[i]) in tiles, each captioned below."""
    scale = _scale_for(left)
    cell, gap, caption_h, inner = left.shape[-1] * scale, 16, 20, 2
    tile_w = 2 * cell + inner
    rows = math.ceil(len(captions) / per_row)
    cols = min(per_row, len(captions))
    canvas = Image.new("RGB", (cols * tile_w + (cols - 1) * gap, rows * (cell + caption_h + gap // 2)), "white")
    draw = ImageDraw.Draw(canvas)
    lefts, rights = _cells(left, scale), _cells(right, scale)
    for i, caption in enumerate(captions):
        x, y = (i % per_row) * (tile_w + gap), (i // per_row) * (cell + caption_h + gap // 2)
        canvas.paste(Image.fromarray(lefts[i]), (x, y))
        canvas.paste(Image.fromarray(rights[i]), (x + cell + inner, y))
        draw.text((x + tile_w / 2, y + cell + 3), caption, fill="black", font=_font(12), anchor="mt")
    return np.array(canvas)


def neighbour_pairs(samples: torch.Tensor, real: torch.Tensor, neighbours: Neighbours) -> np.ndarray:
    """Each sample followed by its nearest real example, ten pairs to a row."""
    order = torch.stack([samples, real[neighbours.index]], dim=1).flatten(0, 1)
    grid = visualize.image_grid(order, nrow=2 * min(10, len(samples)))
    factor = max(1, 480 // max(1, min(grid.shape[:2])))
    return grid.repeat(factor, 0).repeat(factor, 1) if factor > 1 else grid


def plain_wall(samples: torch.Tensor) -> np.ndarray:
    grid = visualize.image_grid(samples, nrow=max(1, math.ceil(math.sqrt(len(samples)))))
    factor = max(1, 480 // max(1, min(grid.shape[:2])))
    return grid.repeat(factor, 0).repeat(factor, 1) if factor > 1 else grid


_CJK_FONTS: list[str] | None = None


def _cjk_fonts() -> list[str]:
    global _CJK_FONTS
    if _CJK_FONTS is None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        wanted = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                  "Microsoft YaHei", "PingFang SC", "SimHei", "Noto Serif CJK SC")
        _CJK_FONTS = [name for name in wanted if name in names]
    return _CJK_FONTS


def chart_language(lang: str) -> str:
    """The language a chart's words can be drawn in: Chinese needs a CJK font, else English."""
    return "zh" if lang == "zh" and _cjk_fonts() else "en"


def _chart_style(lang: str) -> dict:
    if chart_language(lang) == "zh":
        return {"font.family": ["DejaVu Sans", *_cjk_fonts()]}  # per-glyph fallback: digits stay DejaVu
    return {}


def histogram_chart(hist: list[float], real_hist: list[float] | None, lang: str) -> np.ndarray:
    """Share of samples per predicted digit (bars), the held-out digits' shares (grey ticks)
    and the uniform line a perfect generator would sit on."""
    lang = chart_language(lang)
    k = len(hist)
    with plt.rc_context(_chart_style(lang)):
        fig, ax = plt.subplots(figsize=(5.4, 3.1), dpi=100)
        xs = np.arange(k)
        ax.bar(xs, hist, color=PURPLE, alpha=0.85, label=msg(lang, "collapse.chart.generated"))
        if real_hist is not None:
            ax.scatter(xs, real_hist, marker="_", s=500, linewidths=2.5, color=GREY, zorder=3,
                       label=msg(lang, "collapse.chart.real"))
        ax.axhline(1 / k, color=ORANGE, linestyle="--", linewidth=1.5, label=msg(lang, "collapse.chart.uniform", k=k))
        ax.set_xticks(xs)
        ax.set_xlabel(msg(lang, "collapse.chart.class"))
        ax.set_ylabel(msg(lang, "collapse.chart.share"))
        ax.set_ylim(0, max(0.2, max(hist) * 1.1))
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        # above the bars, from the left: the picture's buttons sit on its top right corner
        ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(-0.02, 1.0), ncol=3, frameon=False,
                  handlelength=1.5, columnspacing=1.0)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        return visualize.figure_to_array(fig)


def modes_scatter(samples: torch.Tensor, real: torch.Tensor, modes: torch.Tensor, sigma: float,
                  counts: list[int], lang: str) -> np.ndarray:
    """The samples (purple) over the real data (grey); each mode centre green when captured,
    red when missed, with its 3σ high-quality circle."""
    lang = chart_language(lang)
    pts, ref, centres = samples.numpy(), real.numpy(), modes.numpy()
    limit = float(np.abs(centres).max()) * 1.35 + 6 * sigma
    with plt.rc_context(_chart_style(lang)):
        fig, ax = plt.subplots(figsize=(4.6, 5.1), dpi=100)
        ax.scatter(ref[:, 0], ref[:, 1], s=3, c=GREY, alpha=0.4, label=msg(lang, "collapse.chart.real_points"))
        ax.scatter(pts[:, 0], pts[:, 1], s=3, c=PURPLE, alpha=0.35, label=msg(lang, "collapse.chart.generated"))
        for (cx, cy), n in zip(centres, counts, strict=True):
            colour = "#2e7d32" if n > 0 else "#c62828"
            ax.add_patch(plt.Circle((cx, cy), 3 * sigma, fill=False, color=colour, linewidth=1.2))
            ax.plot([cx], [cy], marker="x", color=colour, markersize=6, mew=1.6)
        ax.plot([], [], marker="x", color="#2e7d32", linestyle="none", label=msg(lang, "collapse.chart.captured"))
        ax.plot([], [], marker="x", color="#c62828", linestyle="none", label=msg(lang, "collapse.chart.missed"))
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        # below the axes, where it hides no mode
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=2, markerscale=2, frameon=False)
        fig.tight_layout()
        return visualize.figure_to_array(fig)


# ---------------------------------------------------------------- coverage over training time

# probe key -> (message key of its name, factor): a fraction is drawn as a percentage. One axis
# serves all: classes, IS (≤ 10) and KL (≤ ln 10) share a scale, as do modes and HQ % for the grid.
COVERAGE_SERIES = {
    "classes_covered": ("collapse.series.classes", 1.0),
    "inception_score": ("collapse.series.is", 1.0),
    "kl_to_uniform": ("collapse.series.kl", 1.0),
    "modes_captured": ("collapse.series.modes", 1.0),
    "high_quality_fraction": ("collapse.series.hq", 100.0),
    "modes": ("collapse.series.triples", 1.0),
    "kl": ("collapse.series.kl", 1.0),
    "diversity_rms": ("collapse.series.diversity", 1.0),
}


def coverage_frame(coverage: dict[str, list[float]], lang: str) -> pd.DataFrame | None:
    """Long format (step, value, series) for gr.LinePlot; None while there is nothing to draw
    (an empty frame would fix the plot on an empty spec)."""
    steps = coverage.get("step", [])
    parts = [pd.DataFrame({"step": steps, "value": [v * factor for v in coverage[key]],
                           "series": msg(lang, name)})
             for key, (name, factor) in COVERAGE_SERIES.items() if key in coverage]
    if not steps or not parts:
        return None
    frame = pd.concat(parts, ignore_index=True).dropna()
    return frame if len(frame) else None


# ---------------------------------------------------------------- the textbook lesson, cached per checkpoint


@dataclass(frozen=True)
class LessonCard:
    entry: str
    pretrained: bool
    step: int | None
    sha256: str | None  # of the weights measured; None for fresh weights
    picture: np.ndarray
    numbers: dict  # classes_covered, kl_to_uniform, inception_score, frechet_distance, duplicate_rate
    seconds: float


LESSON_FIGURES = ("classes_covered", "kl_to_uniform", "inception_score", "frechet_distance", "duplicate_rate",
                  "diversity_rms")
_LESSON: dict[tuple[str, str | None], LessonCard] = {}
_LESSON_LOCK = threading.Lock()  # one visitor computes a card while the others wait for it


def lesson_card(entry: str) -> LessonCard:
    """The entry's lesson figures on LESSON_SAMPLES samples, computed once per set of weights:
    a checkpoint that lands in checkpoints/ later is measured afresh, never mixed up."""
    loaded = state.MODELS.get(entry)
    key = (entry, loaded.sha256)
    with _LESSON_LOCK:
        if key not in _LESSON:
            start = time.perf_counter()
            with loaded.lock:
                samples, labels = metrics.generate(loaded.model, LESSON_SAMPLES, LESSON_SEED)
            result = metrics.evaluate_samples(samples, zoo.entry(entry).dataset, labels=labels)
            grid = visualize.image_grid(samples[:LESSON_GRID], nrow=8)
            picture = grid.repeat(2, 0).repeat(2, 1)
            numbers = {k: result[k] for k in LESSON_FIGURES if k in result}
            numbers["samples"] = len(samples)
            _LESSON[key] = LessonCard(entry, loaded.pretrained, loaded.step, loaded.sha256, picture, numbers,
                                      time.perf_counter() - start)
        return _LESSON[key]


def lesson() -> list[LessonCard]:
    return [lesson_card(entry) for entry in LESSON_ENTRIES]
