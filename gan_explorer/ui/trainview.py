"""What the Train tab draws from a RunSnapshot: loss tables, the status line, samples, timelapse, architecture.

No Gradio here: these are plain functions of the runner's snapshot, so the polling
handler stays a few lines and the drawing can be tested without a browser.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image, ImageDraw, ImageFont

from gan_explorer import losses, visualize, zoo
from gan_explorer.models import GAN, GenerativeModel
from gan_explorer.training.runner import RunSnapshot
from gan_explorer.ui import render, state
from gan_explorer.ui.strings import msg

HEATMAP_RESOLUTION = 90
GIF_MAX_FRAMES = 40


def smooth(values: list[float], factor: float) -> list[float]:
    """Exponential moving average (TensorBoard's smoothing); NaN gaps are carried over, not averaged in."""
    out, last = [], None
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(float("nan"))
            continue
        last = v if last is None else factor * last + (1 - factor) * v
        out.append(last)
    return out


def _frame(history: dict[str, list[float]], series: dict[str, str], smoothing: float) -> pd.DataFrame | None:
    """Long format (step, value, series) for gr.LinePlot; None when there is nothing to draw yet
    (an empty frame would make Gradio's plot settle on an empty spec that later data never fixes)."""
    steps = history.get("step", [])
    parts = []
    for key, name in series.items():
        if key in history:
            values = smooth(history[key], smoothing)
            parts.append(pd.DataFrame({"step": steps, "value": values, "series": name}))
    frame = pd.concat(parts, ignore_index=True).dropna() if parts else None
    return frame if frame is not None and len(frame) else None


def loss_frame(snap: RunSnapshot, smoothing: float, lang: str) -> pd.DataFrame | None:
    """D and G losses (or the VAE's terms), smoothed, plus a flat line at the loss's ideal value."""
    loss = snap.settings.get("loss", "bce")
    if loss == "elbo":
        series = {"loss": msg(lang, "plot.vae_loss"), "reconstruction": msg(lang, "plot.recon"), "kl": "KL"}
    else:
        series = {"d_loss": msg(lang, "plot.d_loss"), "g_loss": msg(lang, "plot.g_loss")}
    frame = _frame(snap.history, series, smoothing)
    ideal = losses.IDEAL_LOSS.get(loss)
    steps = snap.history.get("step", [])
    if frame is not None and ideal is not None:
        reference = pd.DataFrame({"step": [steps[0], steps[-1]], "value": [ideal, ideal],
                                  "series": msg(lang, "plot.ideal", value=f"{ideal:.3g}")})
        frame = pd.concat([frame, reference], ignore_index=True)
    return frame


def d_output_frame(snap: RunSnapshot, smoothing: float, lang: str) -> pd.DataFrame | None:
    frame = _frame(snap.history, {"d_real": "D(x)", "d_fake": "D(G(z))"}, smoothing)
    steps = snap.history.get("step", [])
    if frame is not None and snap.settings.get("loss") in ("mse", "bce"):
        reference = pd.DataFrame({"step": [steps[0], steps[-1]], "value": [0.5, 0.5],
                                  "series": msg(lang, "plot.d_ideal")})
        frame = pd.concat([frame, reference], ignore_index=True)
    return frame


def _duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


def status_text(snap: RunSnapshot, lang: str) -> str:
    if snap.status == "idle":
        return msg(lang, "train.idle_readonly" if state.NOTES.read_only else "train.idle")
    parts = [f"**{msg(lang, 'run.' + snap.status)}**", f"`{snap.entry}`",
             msg(lang, "train.progress", step=snap.step, total=snap.total_steps)]
    if snap.status == "running":
        parts.append(msg(lang, "train.rate", rate=f"{snap.steps_per_s:.1f}", eta=_duration(snap.eta_s)))
    latest = {k: v[-1] for k, v in snap.history.items() if v and k in ("d_loss", "g_loss", "loss")}
    if latest:
        parts.append(" · ".join(f"{k} {v:.4f}" for k, v in latest.items()))
    settings = snap.settings
    if settings:
        parts.append(f"lr_g {settings.get('lr_g'):g} · lr_d {settings.get('lr_d'):g} · "
                     f"n_critic {settings.get('n_critic')} · batch {settings.get('batch_size')}")
    text = " · ".join(parts)
    if snap.reason:
        reason = snap.reason.strip().replace("\n", "\n> ")
        text += f"\n\n> {msg(lang, 'train.reason')}: {reason}"
    if snap.dataset_source:
        text += f"\n\n{msg(lang, 'train.data')}: {snap.dataset_source}"
    return text


def status_dict(snap: RunSnapshot) -> dict:
    """The run's state as plain JSON (the train_status endpoint)."""
    last = {k: v[-1] for k, v in snap.history.items() if v}
    return {
        "status": snap.status, "reason": snap.reason, "entry": snap.entry, "step": snap.step,
        "total_steps": snap.total_steps, "steps_per_s": round(snap.steps_per_s, 3),
        "eta_s": None if snap.eta_s is None else round(snap.eta_s, 1),
        "history_length": len(snap.history.get("step", [])), "latest": last,
        "settings": snap.settings, "version": snap.version, "samples_step": snap.samples_step,
    }


def _probability_map(model: GAN, limit: float, loss: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """D's P(real) on a grid over the plotting window (a critic's raw score is squashed to [0, 1])."""
    axis = torch.linspace(-limit, limit, HEATMAP_RESOLUTION)
    xs, ys = torch.meshgrid(axis, axis, indexing="xy")
    grid = torch.stack([xs.flatten(), ys.flatten()], dim=1)
    with torch.no_grad():
        model.eval()
        # a packed D (PacGAN) judges groups of samples: score each point as a pack of copies of itself
        scores = model.discriminate(model.to_model_range(grid).repeat_interleave(model.config.pack, dim=0))
    if loss in ("mse", "bce"):
        probs = torch.sigmoid(scores)
    else:
        probs = (scores - scores.min()) / (scores.max() - scores.min() + 1e-12)
    shape = (HEATMAP_RESOLUTION, HEATMAP_RESOLUTION)
    return xs.numpy(), ys.numpy(), probs.reshape(shape).numpy()


def samples_picture(snap: RunSnapshot, model: GenerativeModel | None = None) -> np.ndarray | None:
    """The latest fixed-noise samples, drawn to fit the data. For 2-D data: GAN Lab's view,
    real and generated points over D's decision map (needs ``model``, a private copy)."""
    if snap.samples is None:
        return None
    samples = snap.samples
    kind = render.kind_of(snap.entry)
    dataset = zoo.entry(snap.entry).dataset
    if kind == "image":
        return render.upscale(visualize.image_grid(samples), 360)
    if kind == "points":
        real = state.real_samples(dataset, 512)
        limit = float(real.abs().max()) * 1.3
        heatmap = None
        if isinstance(model, GAN):
            heatmap = _probability_map(model, limit, snap.settings.get("loss", "bce"))
        return visualize.points(samples, real, heatmap=heatmap, limit=limit)
    if kind == "curves":
        return visualize.curves(samples, real=state.real_samples(dataset, 16))
    return visualize.pattern_bars(samples)


def timelapse_gif(snap: RunSnapshot, out_dir: Path | None = None) -> Path:
    """The fixed-noise samples over training as an animated GIF, each frame stamped with its step."""
    if not snap.frames:
        raise RuntimeError("no samples yet: start a run first")
    frames = snap.frames
    if len(frames) > GIF_MAX_FRAMES:  # evenly spaced, always keeping the first and the latest
        picks = np.linspace(0, len(frames) - 1, GIF_MAX_FRAMES).round().astype(int)
        frames = [frames[i] for i in sorted(set(picks))]
    kind = render.kind_of(snap.entry)
    images = []
    for step, samples in frames:
        if kind == "image":
            array = render.upscale(visualize.image_grid(samples), 320)
        elif kind == "points":
            real = state.real_samples(zoo.entry(snap.entry).dataset, 512)
            array = visualize.points(samples, real, limit=float(real.abs().max()) * 1.3)
        else:
            array = visualize.render(samples)
        image = Image.fromarray(array).convert("RGB")
        ImageDraw.Draw(image).text((6, 4), f"step {step}", fill=(220, 30, 30), font=ImageFont.load_default(size=16))
        images.append(image.convert("P", palette=Image.ADAPTIVE))
    directory = out_dir or Path(tempfile.mkdtemp(prefix="gan-explorer-"))
    path = directory / f"{snap.entry}-timelapse.gif"
    durations = [250] * (len(images) - 1) + [1500]  # linger on the latest frame
    images[0].save(path, save_all=True, append_images=images[1:], duration=durations, loop=0)
    return path


def _megabytes(module: torch.nn.Module) -> float:
    tensors = list(module.parameters()) + list(module.buffers())
    return sum(t.numel() * t.element_size() for t in tensors) / 2**20


def architecture_text(entry: str, lang: str) -> str:
    """Both networks as PyTorch prints them, with parameter counts and memory."""
    model = zoo.create(entry)
    networks = ([("G", model.generator), ("D", model.discriminator)] if isinstance(model, GAN)
                else [("VAE", model)])
    blocks = []
    for name, network in networks:
        count = sum(p.numel() for p in network.parameters())
        blocks.append(f"**{name}** — {msg(lang, 'arch.params', count=f'{count:,}', mb=f'{_megabytes(network):.2f}')}\n"
                      f"```\n{network}\n```")
    total = sum(p.numel() for p in model.parameters())
    blocks.append(msg(lang, "arch.total", count=f"{total:,}", mb=f"{_megabytes(model):.2f}",
                      train_mb=f"{3 * _megabytes(model):.2f}"))
    return "\n\n".join(blocks)
