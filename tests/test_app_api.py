"""The launched app driven through its public API with gradio_client, as a script or another program would.

Bad input (the API, the fast route, uploads) has its own table: tests/test_bad_input.py."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image
from polling import wait_for

PUBLIC = {"generate", "interpolate", "arithmetic", "conditional", "conditional_grid", "mode_collapse",
          "mode_collapse_lesson", "train_status"}
TRAINING = {"train_start", "train_stop", "train_pause", "train_resume", "train_step", "train_save",
            "train_update", "train_reset", "train_timelapse"}


@pytest.fixture(scope="module")
def client(app_url) -> Client:
    return Client(app_url, verbose=False)


def endpoints(client: Client) -> set[str]:
    return {name.lstrip("/") for name in client.view_api(return_format="dict", print_info=False)["named_endpoints"]}


def pixels(path_or_bytes) -> np.ndarray:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    return np.asarray(Image.open(source).convert("RGB"))


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()




def test_every_public_endpoint_is_there(client):
    assert PUBLIC | TRAINING <= endpoints(client)


def test_generate_is_reproducible_and_follows_the_sliders(client):
    a = pixels(client.predict("dcgan-mnist", 3, [0.5, -1.0], [1.0], 0, api_name="/generate"))
    b = pixels(client.predict("dcgan-mnist", 3, [0.5, -1.0], [1.0], 0, api_name="/generate"))
    moved = pixels(client.predict("dcgan-mnist", 3, [2.5, -1.0], [1.0], 0, api_name="/generate"))
    assert a.shape == (28, 28, 3)
    assert np.array_equal(a, b), "the same values must give the same picture"
    assert not np.array_equal(a, moved), "moving a latent slider must change the picture"
    other_seed = pixels(client.predict("dcgan-mnist", 4, [0.5, -1.0], [1.0], 0, api_name="/generate"))
    assert not np.array_equal(a, other_seed)


def test_deep_link_reproduces_the_image(client, app_url):
    """What the Copy-link button builds: the page opens with it, and the picture the page shows
    (the fast route, asked with the link's own values) equals the API's picture for those values."""
    view = {"entry": "dcgan-mnist", "seed": "11", "dims": "0.25,-1.5,0,0,0,0,0,3", "pcs": "-2,0,0,0,0"}
    page = fetch(app_url + "?" + urlencode({"tab": "latent", **view}))
    assert b"<html" in page.lower()[:2000] or b"<!doctype html" in page.lower()[:200]
    shown = pixels(fetch(app_url + "gan/latent.png?" + urlencode(view)))
    expected = pixels(client.predict("dcgan-mnist", 11, [0.25, -1.5, 0, 0, 0, 0, 0, 3], [-2, 0, 0, 0, 0], 0,
                                     api_name="/generate"))
    assert np.array_equal(shown, expected)


def test_generator_routes_serve_the_browser_export(app_url):
    """The spec names its weights by version; stale versions, unknown entries and non-image models are refused."""
    spec = json.loads(fetch(app_url + "gan/generator/dcgan-mnist.json"))
    assert spec["format"] == "gan-explorer-generator/1" and spec["latent_dim"] == 64
    assert len(spec["directions"]) == 5 and all(len(d) == 64 for d in spec["directions"])
    assert spec["weights_url"] == f"dcgan-mnist.bin?v={spec['version']}"
    weights = fetch(app_url + "gan/generator/" + spec["weights_url"])
    assert len(weights) == 4 * spec["floats"]
    for path, code in (("dcgan-mnist.bin?v=stale", 409), ("nope.json", 404), ("ring-gan.json", 404)):
        with pytest.raises(urllib.error.HTTPError) as info:
            fetch(app_url + "gan/generator/" + path)
        assert info.value.code == code


def test_interpolation_and_arithmetic(client):
    strip = pixels(client.predict("dcgan-mnist", 1, 2, 5, "slerp", 0, api_name="/interpolate"))
    assert strip.shape[1] > 4 * strip.shape[0], "five pictures side by side"
    lerp = pixels(client.predict("dcgan-mnist", 1, 2, 5, "lerp", 0, api_name="/interpolate"))
    assert strip.shape == lerp.shape
    row = pixels(client.predict("dcgan-mnist", 1, 2, 3, 0, api_name="/arithmetic"))
    assert row.shape[1] > 3 * row.shape[0], "A, B, C and A + B − C are all shown"


def test_conditional_grids(client):
    grid = pixels(client.predict("cgan-mnist", 7, 0, 9, api_name="/conditional"))
    other = pixels(client.predict("cgan-mnist", 3, 0, 9, api_name="/conditional"))
    assert grid.shape == other.shape and not np.array_equal(grid, other), "the class changes the picture"
    styles = pixels(client.predict("cgan-mnist", 0, 4, api_name="/conditional_grid"))
    assert styles.shape[1] > 2 * styles.shape[0], "10 classes across, 4 styles down"


def test_mode_collapse_on_mnist_reports_the_figures_beside_real_digits(client):
    summary, wall, pairs, counts, report = client.predict("mnist-mlp-naive", 0, 30, api_name="/mode_collapse")
    assert "2,000 samples" in summary and "nearest real" in summary and "Classes covered" in summary
    assert pixels(pairs).shape[1] > pixels(pairs).shape[0], "samples beside their neighbours"
    assert pixels(wall).shape[0] > 200 and counts == {}, "the wall has one row per digit; no 2-D modes here"
    assert report["entry"] == "mnist-mlp-naive" and report["protocol"] == "mnist" and report["samples"] == 2000
    assert report["weights"] in ("checkpoint", "fresh") and report["wall_samples"] == 30
    assert 0 <= report["classes_covered"] <= 10 and report["kl_to_uniform"] >= 0
    assert 1 <= report["inception_score"] <= 10
    assert len(report["class_histogram"]) == 10 and abs(sum(report["class_histogram"]) - 1) < 1e-9
    real = report["real"]  # the yardstick beside every figure: the evaluator on held-out digits
    assert real["classes_covered"] == 10 and 9 < real["inception_score"] <= 10 and real["kl_to_uniform"] < 0.05
    assert 0 <= real["frechet_distance"] < report["frechet_distance"]
    assert 0 <= report["duplicate_rate"] <= 1 and len(report["duplicate_pairs"]) == 8
    assert 1 <= report["distinct_nearest_real"] <= 30
    assert report["seconds"] < 30, "the tab's action stays bounded"

    again = client.predict("mnist-mlp-naive", 0, 30, api_name="/mode_collapse")[4]
    assert again["class_histogram"] == report["class_histogram"], "a seed always gives the same figures"


def test_mode_collapse_on_a_2d_mixture_counts_modes(client):
    summary, wall, pairs, counts, report = client.predict("ring-gan", 0, 200, api_name="/mode_collapse")
    assert "Modes captured" in summary and pairs is None and pixels(wall).size
    assert report["protocol"] == "modes-2d" and report["samples"] == 2500 and report["num_modes"] == 8
    assert 0 <= report["modes_captured"] <= 8 and 0 <= report["high_quality_fraction"] <= 1
    assert len(counts) == 9 and sum(counts.values()) == 2500, "8 modes plus off-mode cover every sample"
    assert report["modes_captured"] == sum(1 for name, c in counts.items() if name != "off-mode" and c > 0)
    assert report["real"]["modes_captured"] == 8


def test_mode_collapse_lesson_is_cached_per_checkpoint(client):
    lesson = client.predict(api_name="/mode_collapse_lesson")
    assert {"mnist-mlp-naive", "mnist-mlp-improved", "dcgan-mnist", "real"} <= set(lesson)
    for name in ("mnist-mlp-naive", "mnist-mlp-improved", "dcgan-mnist"):
        card = lesson[name]
        assert card["samples"] >= 1000 and 0 <= card["classes_covered"] <= 10 and card["kl_to_uniform"] >= 0
        assert 1 <= card["inception_score"] <= 10 and card["weights"] in ("checkpoint", "fresh")
    naive, dcgan = lesson["mnist-mlp-naive"], lesson["dcgan-mnist"]
    if naive["weights"] == dcgan["weights"] == "checkpoint":  # the textbook lesson itself
        assert naive["kl_to_uniform"] > dcgan["kl_to_uniform"] and naive["classes_covered"] < dcgan["classes_covered"]
    assert lesson["real"]["classes_covered"] == 10
    again = client.predict(api_name="/mode_collapse_lesson")
    assert again == lesson, "the second view reuses the first one's figures (same timings included)"


def test_mode_collapse_of_the_training_run(client):
    client.predict(api_name="/train_reset")
    with pytest.raises(AppError, match="No training run"):
        client.predict("run", 0, 20, api_name="/mode_collapse")
    client.predict("ring-gan", 1e-3, 1e-3, 1, 128, 450, 0, api_name="/train_start")
    try:
        wait_for(lambda: client.predict(api_name="/train_status")["status"] in ("finished", "error"), timeout=120)
        summary, wall, _, counts, report = client.predict("run", 0, 20, api_name="/mode_collapse")
        assert report["source"] == "run" and report["entry"] == "ring-gan" and report["weights"] == "run"
        assert "current training run" in summary and "ring-gan" in summary
        assert report["coverage"]["step"] == [0, 200, 400], "the run measures its coverage every 200 steps"
        assert all(0 <= m <= 8 for m in report["coverage"]["modes_captured"])
        assert len(counts) == 9 and 0 <= report["modes_captured"] <= 8
        # a zoo entry that is the one training shows the same run's coverage; another says it fills while it trains
        assert client.predict("ring-gan", 0, 20, api_name="/mode_collapse")[4]["coverage"] == report["coverage"]
        assert client.predict("grid-gan", 0, 20, api_name="/mode_collapse")[4]["coverage"] == {}
    finally:
        client.predict(api_name="/train_reset")


def test_training_through_the_api(client, app_server):
    client.predict(api_name="/train_reset")
    client.predict("pattern1010", 0.01, 0.01, 1, 1, 1_000_000, 0, api_name="/train_start")
    with pytest.raises(AppError, match="already in progress"):
        client.predict("pattern1010", 0.01, 0.01, 1, 1, 100, 0, api_name="/train_start")
    first = wait_for(lambda: (s := client.predict(api_name="/train_status"))["history_length"] > 2 and s)
    grown = wait_for(lambda: (s := client.predict(api_name="/train_status"))["history_length"]
                     > first["history_length"] and s)
    assert grown["status"] == "running" and grown["entry"] == "pattern1010"
    assert {"d_loss", "g_loss"} <= set(grown["latest"])

    client.predict(api_name="/train_pause")
    paused = client.predict(api_name="/train_status")
    client.predict("d", api_name="/train_step")
    assert client.predict(api_name="/train_status")["step"] == paused["step"] + 1
    with pytest.raises(AppError, match="step mode"):
        client.predict("sideways", api_name="/train_step")
    assert "0.02" in client.predict(0.02, 0.01, 1, 1, api_name="/train_update")
    assert client.predict(api_name="/train_status")["settings"]["lr_g"] == 0.02
    with pytest.raises(AppError, match="lr_d"):
        client.predict(0.02, 0, 1, 1, api_name="/train_update")
    saved = client.predict(api_name="/train_save")
    assert list(app_server.runs.glob("pattern1010-step*.safetensors")), saved
    gif = Path(client.predict(api_name="/train_timelapse"))
    assert gif.suffix == ".gif" and Image.open(gif).n_frames >= 2

    client.predict(api_name="/train_resume")
    client.predict(api_name="/train_stop")
    assert client.predict(api_name="/train_status")["status"] == "stopped"
    client.predict(api_name="/train_reset")
    assert client.predict(api_name="/train_status")["status"] == "idle"


def test_demo_mode_has_no_training_endpoints(demo_url):
    demo = Client(demo_url, verbose=False)
    names = endpoints(demo)
    assert PUBLIC <= names, "reading and exploring still work"
    assert not names & TRAINING, f"read-only server exposes {names & TRAINING}"
    with pytest.raises(ValueError, match="train_start"):
        demo.predict("pattern1010", 0.01, 0.01, 1, 1, 100, 0, api_name="/train_start")
    assert demo.predict(api_name="/train_status")["status"] == "idle"
