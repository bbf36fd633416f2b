"""The command line, run as a user would: python -m gan_explorer ..."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from gan_explorer.checkpoints import read_metadata

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gan_explorer", *args], cwd=cwd or ROOT, capture_output=True,
                          text=True, timeout=300)


def test_list_names_every_entry():
    result = cli("list")
    assert result.returncode == 0, result.stderr
    assert "dcgan-mnist" in result.stdout and "pattern1010" in result.stdout


def test_train_dry_run_writes_checkpoint_and_grid_then_resumes(tmp_path):
    out = tmp_path / "dcgan"
    result = cli("train", "dcgan-mnist", "--steps", "6", "--batch-size", "8", "--out", str(out), "--seed", "1",
                 "--device", "cpu")
    assert result.returncode == 0, result.stderr
    assert "offline subset" in result.stderr or "MNIST" in result.stderr
    meta = read_metadata(out)
    assert meta["entry"] == "dcgan-mnist" and meta["step"] == 6
    grid = np.array(Image.open(str(out) + "-samples.png"))
    assert grid.ndim == 3 and grid.std() > 0

    result = cli("train", "dcgan-mnist", "--steps", "9", "--batch-size", "8", "--out", str(out), "--resume",
                 "--device", "cpu")
    assert result.returncode == 0, result.stderr
    assert read_metadata(out)["step"] == 9


def test_sample_from_a_checkpoint(tmp_path):
    out = tmp_path / "ring"
    assert cli("train", "ring-gan", "--steps", "5", "--out", str(out)).returncode == 0
    png = tmp_path / "ring.png"
    result = cli("sample", "ring-gan", "--checkpoint", str(out), "-n", "200", "--out", str(png))
    assert result.returncode == 0, result.stderr
    assert Image.open(png).size[0] > 100

    result = cli("eval", "ring-gan", "--checkpoint", str(out), "-n", "500")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["protocol"] == "modes-2d" and report["samples"] == 500
    assert 0 <= report["modes_captured"] <= 8 and report["real"]["modes_captured"] == 8


def test_errors_are_plain_messages(tmp_path):
    result = cli("train", "no-such-entry")
    assert result.returncode == 2 and "unknown zoo entry" in result.stderr
    result = cli("sample", "ring-gan", "--checkpoint", str(tmp_path / "missing"))
    assert result.returncode == 2 and "missing" in result.stderr
    result = cli("pack", str(tmp_path / "nowhere"), str(tmp_path / "x.h5"))
    assert result.returncode == 2 and "nowhere" in result.stderr


def test_pack_a_folder(tmp_path):
    src = tmp_path / "imgs"
    src.mkdir()
    rng = np.random.default_rng(0)
    for i in range(5):
        Image.fromarray(rng.integers(0, 255, (40, 30, 3), dtype=np.uint8)).save(src / f"{i}.png")
    (src / "broken.png").write_bytes(b"not an image")
    result = cli("pack", str(src), str(tmp_path / "imgs.h5"), "--size", "16")
    assert result.returncode == 0, result.stderr
    assert "packed 5 images" in result.stdout and "skipped 1" in result.stdout

    # a colour HDF5 set trains the grey faces entry: the model is fitted to the data's shape
    out = tmp_path / "faces-rgb"
    result = cli("train", "dcgan-faces", "--dataset", str(tmp_path / "imgs.h5"), "--steps", "2", "--batch-size", "4",
                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert read_metadata(out)["config"]["data_shape"] == [3, 16, 16]
    result = cli("sample", "dcgan-faces", "--checkpoint", str(out), "-n", "4", "--out", str(tmp_path / "f.png"))
    assert result.returncode == 0, result.stderr
