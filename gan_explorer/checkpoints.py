"""Checkpoints: safetensors weights + a JSON metadata file beside them, written atomically.

A checkpoint ``STEM`` is two files: ``STEM.safetensors`` (tensors only, no code can hide in it)
and ``STEM.json`` (entry name, model config, step, dataset, metrics, versions and the sha256 of
the weights file). The model is rebuilt from the JSON config, so nothing is ever pickled.
The resume state (optimiser moments, random streams) is a ``torch.save`` file read back only
with ``weights_only=True``.

Every write goes to a temporary file in the target directory, is fsynced and then renamed over
the target, so a crash or a kill leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import platform
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

import torch
from safetensors import SafetensorError
from safetensors.torch import load as safetensors_load
from safetensors.torch import save as safetensors_save

FORMAT_VERSION = 1
WEIGHTS_SUFFIX = ".safetensors"
METADATA_SUFFIX = ".json"
# keys save_checkpoint fills itself; ``extra`` may not overwrite them
RESERVED_KEYS = frozenset(
    {"format_version", "entry", "config", "step", "dataset", "metrics", "versions", "sha256", "created"}
)

Writer = Callable[[BinaryIO], object]
log = logging.getLogger(__name__)


class CheckpointError(Exception):
    """A checkpoint or resume file is missing, damaged, or does not fit the model it is loaded into."""


# ---------------------------------------------------------------- atomic writes


def _write_temp(path: Path, writer: Writer) -> Path:
    """Write a hidden temporary sibling of ``path`` and fsync it; removes it again on any failure."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open (unlike mkstemp's 0600) lets the umask decide permissions, as for a plain open()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _fsync_dir(directory: Path) -> None:
    # the rename itself lives in the directory entry; without this a power loss can undo it
    if os.name == "nt":  # Windows cannot open a directory; NTFS journals the rename
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write_all(items: Sequence[tuple[Path, Writer]]) -> None:
    """Write every file to a temp first, then rename them in order.

    Writing all temps before the first rename shrinks the window in which the files disagree to
    the gap between two renames; a disagreement that does happen is caught by the checksum."""
    temps: list[tuple[Path, Path]] = []
    try:
        for path, writer in items:
            path.parent.mkdir(parents=True, exist_ok=True)
            temps.append((_write_temp(path, writer), path))
        for tmp, path in temps:
            os.replace(tmp, path)
    finally:
        for tmp, _ in temps:  # after a successful rename the temp name is already gone
            tmp.unlink(missing_ok=True)
    for directory in {path.parent for path, _ in items}:
        _fsync_dir(directory)


def atomic_write(path: str | Path, writer: Writer) -> Path:
    """Call ``writer(binary_file)`` on a temp file next to ``path``, fsync, rename over ``path``, fsync the dir."""
    path = Path(path)
    _atomic_write_all([(path, writer)])
    return path


def _bytes_writer(data: bytes) -> Writer:
    return lambda f: f.write(data)


# ---------------------------------------------------------------- paths and hashes


def _paths(path_stem: str | Path) -> tuple[Path, Path]:
    """(weights, metadata) paths; the stem may come with either suffix. Suffixes are appended,
    not swapped, so stems with dots in them ("ring-gan.v2") keep their whole name."""
    p = Path(path_stem)
    for suffix in (WEIGHTS_SUFFIX, METADATA_SUFFIX):
        if p.name.endswith(suffix):
            p = p.with_name(p.name[: -len(suffix)])
            break
    return p.with_name(p.name + WEIGHTS_SUFFIX), p.with_name(p.name + METADATA_SUFFIX)


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise CheckpointError(f"cannot read {what} {path}: {exc}") from exc


def _check_sha(meta: dict, actual: str, weights: Path, metadata: Path) -> None:
    if actual != meta["sha256"]:
        raise CheckpointError(
            f"checksum mismatch: {weights} has sha256 {actual[:12]}…, {metadata} expects {meta['sha256'][:12]}… "
            "(the weights were modified, damaged, or written by an interrupted save)"
        )


# ---------------------------------------------------------------- checkpoints


def _versions() -> dict[str, str]:
    try:
        from gan_explorer import __version__
    except ImportError:
        __version__ = "0"
    return {"torch": torch.__version__, "python": platform.python_version(), "gan_explorer": __version__}


def _tensors_of(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The model's parameters and buffers as independent, contiguous CPU tensors.

    safetensors refuses views and tensors sharing storage (tied weights); a clone of each gives
    every name its own storage, and the copy also keeps training from changing it mid-write."""
    tensors = {}
    for name, value in model.state_dict().items():
        if not isinstance(value, torch.Tensor):
            raise CheckpointError(
                f"state entry {name!r} is a {type(value).__name__}, not a tensor: "
                "checkpoints hold tensors only, never pickled objects"
            )
        tensors[name] = value.detach().cpu().clone(memory_format=torch.contiguous_format)
    return tensors


def save_checkpoint(
    path_stem: str | Path,
    model: torch.nn.Module,
    *,
    entry: str,
    config: dict,
    step: int,
    dataset: str,
    metrics: dict | None = None,
    extra: dict | None = None,
) -> Path:
    """Write ``STEM.safetensors`` and ``STEM.json`` atomically; returns the weights path.

    ``extra`` is merged into the metadata at the top level (e.g. ``{"train": train_cfg.to_dict()}``)."""
    weights, metadata = _paths(path_stem)
    clash = RESERVED_KEYS & set(extra or {})
    if clash:
        raise ValueError(f"extra metadata may not overwrite {sorted(clash)}")
    data = safetensors_save(_tensors_of(model), metadata={"format": "pt"})
    meta = {
        "format_version": FORMAT_VERSION,
        "entry": entry,
        "config": config,
        "step": int(step),
        "dataset": dataset,
        "metrics": metrics or {},
        **(extra or {}),
        "versions": _versions(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    # serialised before anything touches the disk, so a non-JSON config fails without writing
    text = json.dumps(meta, indent=2) + "\n"
    # weights first, then the JSON that carries their sha256. A save cut between the two renames
    # leaves new weights beside old metadata; the previous weights, kept as a hard link until the
    # JSON lands, still match that metadata, so load_checkpoint falls back to them.
    previous = _previous_path(weights)
    keep_previous = _link_previous(weights, previous)
    try:
        _atomic_write_all([(weights, _bytes_writer(data)), (metadata, _bytes_writer(text.encode("utf-8")))])
    except BaseException:
        # a failed save (a full disk) that replaced nothing needs no fallback: leave no extra file behind
        if keep_previous and _same_file(weights, previous):
            previous.unlink(missing_ok=True)
        raise
    if keep_previous:
        previous.unlink(missing_ok=True)
    return weights


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _previous_path(weights: Path) -> Path:
    return weights.with_name(f".{weights.name}.previous")


def _link_previous(weights: Path, previous: Path) -> bool:
    """Hard-link the current weights to ``previous`` (atomically); False where there are none or
    the filesystem cannot link (then an interrupted save is reported as a checksum mismatch)."""
    if not weights.exists():
        return False
    tmp = previous.with_name(previous.name + f".{secrets.token_hex(4)}.tmp")
    try:
        os.link(weights, tmp)
        os.replace(tmp, previous)
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    return True


def read_metadata(path_stem: str | Path) -> dict:
    """The checkpoint's JSON metadata (the weights are not read or verified)."""
    _, metadata = _paths(path_stem)
    raw = _read_bytes(metadata, "checkpoint metadata")
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"checkpoint metadata {metadata} is not valid JSON: {exc}") from None
    except RecursionError:  # e.g. 100,000 nested brackets: valid-looking, and deeper than any real manifest
        raise CheckpointError(f"checkpoint metadata {metadata} is nested too deeply to be a checkpoint's") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("sha256"), str):
        raise CheckpointError(f"checkpoint metadata {metadata} is not a GAN Explorer checkpoint (no sha256)")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint metadata {metadata} has format_version {version!r}; "
            f"this version of GAN Explorer reads up to {FORMAT_VERSION}"
        )
    return meta


def verify(path_stem: str | Path) -> None:
    """Raise CheckpointError unless the weights match the sha256 recorded in the metadata."""
    weights, metadata = _paths(path_stem)
    meta = read_metadata(path_stem)
    _check_sha(meta, hashlib.sha256(_weights_bytes(weights, meta)).hexdigest(), weights, metadata)


def _weights_bytes(weights: Path, meta: dict) -> bytes:
    """The weights the metadata describes: the file, or the previous weights a save cut between
    its two renames left behind (the metadata still describes those)."""
    data = _read_bytes(weights, "checkpoint weights")
    previous = _previous_path(weights)
    if hashlib.sha256(data).hexdigest() != meta["sha256"] and previous.exists():
        older = _read_bytes(previous, "previous checkpoint weights")
        if hashlib.sha256(older).hexdigest() == meta["sha256"]:
            log.warning("the last save of %s was interrupted: using the previous, intact checkpoint", weights)
            return older
    return data


def _check_fits(state: dict[str, torch.Tensor], model: torch.nn.Module, weights: Path, entry: object) -> None:
    """Name the first tensor that differs, before load_state_dict's long multi-line error can."""
    own = model.state_dict()
    problem = None
    missing = [k for k in own if k not in state]
    # sorted: safetensors hands tensors back in no fixed order, and the message should not vary
    unexpected = sorted(k for k in state if k not in own)
    if missing:
        problem = f"model tensor {missing[0]} is missing from the checkpoint"
        if len(missing) > 1:
            problem += f" (and {len(missing) - 1} more)"
    elif unexpected:
        problem = f"checkpoint tensor {unexpected[0]} is not in the model"
        if len(unexpected) > 1:
            problem += f" (and {len(unexpected) - 1} more)"
    else:
        for key, value in own.items():
            if tuple(state[key].shape) != tuple(value.shape):
                problem = f"{key}: checkpoint {tuple(state[key].shape)} vs model {tuple(value.shape)}"
                break
    if problem:
        raise CheckpointError(f"{weights} (entry {entry!r}) does not fit this model's architecture: {problem}")


def load_checkpoint(
    path_stem: str | Path, model: torch.nn.Module | None = None, *, expected_entry: str | None = None
) -> tuple[dict, dict[str, torch.Tensor]]:
    """Read and verify a checkpoint; returns (metadata, CPU state dict).

    With ``model``, also loads the weights into it (strictly). Every failure is a CheckpointError
    that says what is wrong: missing file, broken JSON, corrupt weights, checksum, entry, shapes."""
    weights, metadata = _paths(path_stem)
    if not weights.exists():  # name the weights first: that is the file a person looks for
        raise CheckpointError(f"checkpoint weights not found: {weights}")
    meta = read_metadata(path_stem)
    if expected_entry is not None and meta.get("entry") != expected_entry:
        raise CheckpointError(f"checkpoint {weights} is for {meta.get('entry')!r}, not {expected_entry!r}")
    data = _weights_bytes(weights, meta)
    try:
        state = safetensors_load(data)
    except SafetensorError as exc:
        raise CheckpointError(f"checkpoint weights {weights} are corrupt or truncated: {exc}") from None
    # parsed before the checksum so that a truncated file is called truncated, not just "mismatch"
    _check_sha(meta, hashlib.sha256(data).hexdigest(), weights, metadata)
    if model is not None:
        _check_fits(state, model, weights, meta.get("entry"))
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as exc:  # e.g. a dtype the parameter cannot take
            raise CheckpointError(f"cannot load {weights} into the model: {exc}") from exc
    return meta, state


# ---------------------------------------------------------------- resume state


def save_resume_state(path: str | Path, state: dict) -> Path:
    """Atomically ``torch.save`` a dict of plain containers, numbers, strings and tensors."""
    return atomic_write(path, lambda f: torch.save(state, f))


def _unpickling_reason(exc: Exception) -> str:
    """The one paragraph of torch's long weights-only error that says what was rejected."""
    paragraphs = [p.strip() for p in str(exc).split("\n\n") if p.strip()]
    reasons = [p for p in paragraphs if not p.startswith("Check the documentation")]
    return reasons[-1] if reasons else str(exc)


def load_resume_state(path: str | Path) -> dict:
    """Load a resume file with ``weights_only=True``: a file smuggling other objects is refused."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"resume state not found: {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise CheckpointError(
            f"refused to load {path}: weights-only loading accepts tensors and plain containers only "
            f"({_unpickling_reason(exc)})"
        ) from None
    except (RuntimeError, EOFError, OSError) as exc:  # a damaged zip archive or a cut-off file
        raise CheckpointError(f"resume state {path} is corrupt or truncated: {exc}") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"resume state {path} holds a {type(state).__name__}, not a dict")
    return state


__all__ = [
    "CheckpointError",
    "atomic_write",
    "load_checkpoint",
    "load_resume_state",
    "read_metadata",
    "save_checkpoint",
    "save_resume_state",
    "sha256_file",
    "verify",
]
