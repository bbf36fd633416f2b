"""Bad input against the launched app, straight through its API (a script can send anything):
every case gets a clear message, the app keeps serving, and nothing is written outside its data directory.

Three ways in: the public Gradio endpoints (raw JSON, so NaN and Infinity can be sent too), the fast
slider route /gan/latent.png, and "Open a checkpoint" (the .safetensors + .json pair training writes).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shlex
import struct
import subprocess
import sys
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode

import numpy as np
import pytest
import torch
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".git", "__pycache__", ".pytest_cache", ".ruff_cache"}


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def call_raw(app_url: str, api: str, body: str) -> tuple[str, str]:
    """POST a hand-written JSON body to /gradio_api/call/<api>; returns (event, message or data)."""
    request = urllib.request.Request(f"{app_url}gradio_api/call/{api}", data=body.encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            event_id = json.loads(response.read())["event_id"]
    except urllib.error.HTTPError as exc:  # refused before it reaches the queue
        return "http", f"{exc.code} {exc.read().decode(errors='replace')}"
    status, stream = fetch(f"{app_url}gradio_api/call/{api}/{event_id}")
    event, data = "", ""
    for line in stream.decode().splitlines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data = line.split(":", 1)[1].strip()
    if event == "error":
        return "error", (json.loads(data) or {}).get("error", "") if data and data != "null" else ""
    return event, data


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS]
        for name in filenames:
            path = Path(dirpath, name)
            st = path.stat()
            out[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def tree_before() -> dict[str, tuple[int, int]]:
    return snapshot(ROOT)


@pytest.fixture(scope="module")
def client(app_url, tree_before) -> Client:
    return Client(app_url, verbose=False)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A checkpoint made as a user makes one: `python -m gan_explorer train ring-gan --out DIR/NAME`."""
    stem = tmp_path_factory.mktemp("trained") / "myring"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-m", "gan_explorer", "train", "ring-gan", "--steps", "20", "--out", str(stem)],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    return stem


def assert_still_serving(app_url: str) -> None:
    status, body = fetch(app_url + "gan/latent.png?" + urlencode({"entry": "dcgan-mnist", "seed": 1}))
    assert status == 200 and Image.open(io.BytesIO(body)).size == (28, 28), "a good request after the bad one"


# ---------------------------------------------------------------- the public endpoints, raw JSON

LONG = "x" * 100_000
API_CASES = [
    ("seed NaN", "generate", '["dcgan-mnist", NaN, [], [], 0]', "Expected a `float | None`"),
    ("seed Infinity", "generate", '["dcgan-mnist", Infinity, [], [], 0]', "Expected a `float | None`"),
    ("seed overflowing to inf", "generate", '["dcgan-mnist", 1e400, [], [], 0]', "Expected a `float | None`"),
    ("seed negative", "generate", '["dcgan-mnist", -1, [], [], 0]', "seed must lie in 0"),
    ("seed huge", "generate", '["dcgan-mnist", 1099511627776, [], [], 0]', "seed must lie in 0"),
    ("seed a string", "generate", '["dcgan-mnist", "abc", [], [], 0]', "Expected a `float | None`"),
    ("latent NaN", "generate", '["dcgan-mnist", 1, [NaN], [], 0]', "must be finite numbers"),
    ("latent strings", "generate", '["dcgan-mnist", 1, "a,b", [], 0]', "latent values must be numbers"),
    ("latent an object", "generate", '["dcgan-mnist", 1, {"x": 1}, [], 0]', "latent values must be numbers"),
    ("latent out of range", "generate", '["dcgan-mnist", 1, [9.0], [], 0]', "must lie in -4"),
    ("too many latents", "generate", '["dcgan-mnist", 1, [0,0,0,0,0,0,0,0,0], [], 0]', "at most 8"),
    ("direction out of range", "generate", '["dcgan-mnist", 1, [], [99], 0]', "direction offsets must lie"),
    ("unknown model", "generate", '["no-such-gan", 1, [], [], 0]', "unknown zoo entry 'no-such-gan'"),
    ("model name 100 kB long", "generate", json.dumps([LONG, 1, [], [], 0]), r"unknown zoo entry 'xxx.*\.\.\."),
    ("model a number", "generate", '[5, 1, [], [], 0]', "unknown zoo entry '5'"),
    ("model null", "generate", '[null, 1, [], [], 0]', "unknown zoo entry"),
    ("class out of range", "generate", '["cgan-mnist", 1, [], [], 12]', "class must be a whole number in 0"),
    ("class a string", "generate", '["cgan-mnist", 1, [], [], "seven"]', "Expected a `float | None`"),
    ("count zero", "conditional", '["cgan-mnist", 3, 0, 0]', "count must be a whole number in 1"),
    ("count a billion", "conditional", '["cgan-mnist", 3, 0, 1000000000]', "count must be a whole number in 1"),
    ("unconditional model asked for a class", "conditional_grid", '["dcgan-mnist", 0, 4]', "not conditional"),
    ("interpolation steps huge", "interpolate", '["dcgan-mnist", 1, 2, 1000, "slerp", 0]', "Value 1000 is greater"),
    ("interpolation method unknown", "interpolate", '["dcgan-mnist", 1, 2, 5, "cubic", 0]', "cubic"),
    ("collapse count negative", "mode_collapse", '["ring-gan", 0, -1]', "count must be a whole number in"),
    ("collapse unknown source", "mode_collapse", '["../../etc/passwd", 0, 20]', "unknown zoo entry"),
    ("train learning rate NaN", "train_start", '["ring-gan", NaN, 0.001, 1, 64, 100, 0]',
     "lr_g must be a number in"),
    ("train learning rate huge", "train_start", '["ring-gan", 1000000.0, 0.001, 1, 64, 100, 0]', "lr_g must be"),
    ("train steps negative", "train_start", '["ring-gan", 0.001, 0.001, 1, 64, -5, 0]',
     "Value -5 is less than minimum value 1"),
    ("train batch zero", "train_start", '["ring-gan", 0.001, 0.001, 1, 0, 100, 0]',
     "Value 0 is less than minimum value 1"),
    ("train unknown model", "train_start", '["nope", 0.001, 0.001, 1, 64, 100, 0]', "not in the list of choices"),
    ("train step mode", "train_step", '["sideways"]', "step mode must be"),
    ("wrong number of inputs", "generate", '["dcgan-mnist"]', "needed"),
    ("not a list at all", "generate", '"dcgan-mnist"', "422"),
]


@pytest.mark.parametrize("api, data, message", [c[1:] for c in API_CASES], ids=[c[0] for c in API_CASES])
def test_bad_api_input_gets_a_clear_message(app_url, client, api, data, message):
    event, text = call_raw(app_url, api, f'{{"data": {data}}}')
    assert event in ("error", "http"), f"accepted: {text[:200]}"
    assert text and re.search(message, text), text[:500]
    assert len(text) < 3000, "the message is a sentence, not a dump of what was sent"
    assert_still_serving(app_url)


# ---------------------------------------------------------------- the fast slider route

ROUTE_CASES = [
    ("seed nan", {"entry": "dcgan-mnist", "seed": "nan"}, 400, "seed must be a whole number"),
    ("seed inf", {"entry": "dcgan-mnist", "seed": "inf"}, 400, "seed must be a whole number"),
    ("seed negative", {"entry": "dcgan-mnist", "seed": "-1"}, 400, "seed must lie in"),
    ("seed fraction", {"entry": "dcgan-mnist", "seed": "1.5"}, 400, "seed must be a whole number"),
    ("seed 30 digits", {"entry": "dcgan-mnist", "seed": "9" * 30}, 400, "seed must lie in"),
    ("seed a word", {"entry": "dcgan-mnist", "seed": "abc"}, 400, "seed must be a whole number"),
    ("dims nan", {"entry": "dcgan-mnist", "seed": "1", "dims": "nan"}, 400, "finite"),
    ("dims empty item", {"entry": "dcgan-mnist", "seed": "1", "dims": "1,,2"}, 400, "must be numbers"),
    ("dims out of range", {"entry": "dcgan-mnist", "seed": "1", "dims": "9"}, 400, "must lie in"),
    ("pcs out of range", {"entry": "dcgan-mnist", "seed": "1", "pcs": "99"}, 400, "direction offsets"),
    ("class out of range", {"entry": "cgan-mnist", "seed": "1", "label": "99"}, 400, "class must be"),
    ("entry 5,000 characters", {"entry": "y" * 5000, "seed": "1"}, 400, r"unknown zoo entry 'yyy.*\.\.\."),
    ("entry missing", {"seed": "1"}, 400, "unknown zoo entry"),
    ("scale zero", {"entry": "dcgan-mnist", "seed": "1", "scale": "0"}, 400, "scale must lie in"),
    ("scale a word", {"entry": "dcgan-mnist", "seed": "1", "scale": "big"}, 422, "valid integer"),
]


@pytest.mark.parametrize("query, status, message", [c[1:] for c in ROUTE_CASES], ids=[c[0] for c in ROUTE_CASES])
def test_bad_fast_route_query_gets_a_clear_message(app_url, tree_before, query, status, message):
    got, body = fetch(app_url + "gan/latent.png?" + urlencode(query))
    assert got == status and re.search(message, body.decode()), body[:300]
    assert len(body) < 3000
    assert_still_serving(app_url)


# ---------------------------------------------------------------- opening a checkpoint


class Payload:
    """Unpickling this runs a shell command that creates the marker file: what a hostile checkpoint does."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


def pickled_payload(marker: Path) -> bytes:
    buffer = io.BytesIO()
    torch.save({"generator.net.0.weight": Payload(marker)}, buffer)
    return buffer.getvalue()


def manifest(stem: Path, **changes) -> dict:
    return {**json.loads(stem.with_suffix(".json").read_text()), **changes}


def write_file(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_pair(folder: Path, name: str, weights: bytes, meta: dict | bytes) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    w, m = folder / f"{name}.safetensors", folder / f"{name}.json"
    w.write_bytes(weights)
    m.write_bytes(meta if isinstance(meta, bytes) else json.dumps(meta).encode())
    return [w, m]


def with_sha(meta: dict, weights: bytes) -> dict:
    return {**meta, "sha256": hashlib.sha256(weights).hexdigest()}


SHIPPED = ROOT / "checkpoints"
# name -> (files(trained stem, folder, marker), message)
OPEN_CASES: dict[str, tuple[Callable[[Path, Path, Path], list[Path]], str]] = {
    "pickle .pt that would run code": (
        lambda s, d, m: [write_file(d / "evil.pt", pickled_payload(m)), s.with_suffix(".json")],
        "Invalid file type"),
    "pickle inside a .safetensors name": (
        lambda s, d, m: write_pair(d, "evil", pickled_payload(m), with_sha(manifest(s), pickled_payload(m))),
        "corrupt or truncated"),
    "truncated safetensors": (
        lambda s, d, m: write_pair(d, "cut", s.with_suffix(".safetensors").read_bytes()[:300], manifest(s)),
        "corrupt or truncated"),
    "empty safetensors": (lambda s, d, m: write_pair(d, "empty", b"", manifest(s)), "corrupt or truncated"),
    "manifest lies about the sha256": (
        lambda s, d, m: write_pair(d, "lie", s.with_suffix(".safetensors").read_bytes(), manifest(s, sha256="0" * 64)),
        "checksum mismatch"),
    "another architecture (config says DCGAN)": (
        lambda s, d, m: write_pair(d, "dc", (SHIPPED / "dcgan-mnist.safetensors").read_bytes(),
                                   manifest(SHIPPED / "dcgan-mnist", entry="ring-gan")),
        "architecture differs from ring-gan's"),
    "another architecture's weights under a true manifest": (
        lambda s, d, m: write_pair(d, "sine", (SHIPPED / "sine-gan.safetensors").read_bytes(),
                                   with_sha(manifest(s), (SHIPPED / "sine-gan.safetensors").read_bytes())),
        "does not fit this model's architecture"),
    "manifest names no zoo entry": (
        lambda s, d, m: write_pair(d, "alien", s.with_suffix(".safetensors").read_bytes(),
                                   manifest(s, entry="stylegan3")),
        "'stylegan3', which is not a zoo entry"),
    "manifest config is not a config": (
        lambda s, d, m: write_pair(d, "cfg", s.with_suffix(".safetensors").read_bytes(), manifest(s, config=[1, 2])),
        "model config is not valid"),
    "manifest is not JSON": (
        lambda s, d, m: write_pair(d, "bin", s.with_suffix(".safetensors").read_bytes(), b"\x80\x04\x95garbage"),
        "not valid JSON"),
    "manifest is a JSON list": (
        lambda s, d, m: write_pair(d, "list", s.with_suffix(".safetensors").read_bytes(), b"[1, 2, 3]"),
        "not a GAN Explorer checkpoint"),
    "manifest of 100,000 nested brackets": (
        lambda s, d, m: write_pair(d, "deep", s.with_suffix(".safetensors").read_bytes(), b"[" * 100_000),
        "nested too deeply"),
    "manifest of 2 MB": (
        lambda s, d, m: write_pair(d, "fat", s.with_suffix(".safetensors").read_bytes(),
                                   json.dumps(manifest(s, padding="x" * 2 * 2**20)).encode()),
        "larger than 1 MB"),
    "manifest from the future": (
        lambda s, d, m: write_pair(d, "future", s.with_suffix(".safetensors").read_bytes(),
                                   manifest(s, format_version=99)),
        "format_version 99"),
    "weights without a manifest": (lambda s, d, m: [s.with_suffix(".safetensors")], "exactly two files"),
    "two weights files": (
        lambda s, d, m: [s.with_suffix(".safetensors"), write_pair(d, "twin", b"x", b"{}")[0]], "exactly two files"),
    "a text file": (lambda s, d, m: [write_file(d / "notes.txt", b"hi")], "Invalid file type"),
}


@pytest.mark.parametrize("case", list(OPEN_CASES))
def test_bad_checkpoint_is_refused_and_no_code_runs(app_url, client, trained, tmp_path, case):
    make, message = OPEN_CASES[case]
    marker = tmp_path / "payload-ran"
    files = make(trained, tmp_path / "upload", marker)
    with pytest.raises(AppError, match=message):
        client.predict([handle_file(str(f)) for f in files], api_name="/open_checkpoint")
    assert not marker.exists(), "the pickle payload ran"
    assert_still_serving(app_url)


def test_the_payload_is_live_so_the_refusal_means_something(tmp_path):
    marker = tmp_path / "control"
    torch.load(io.BytesIO(pickled_payload(marker)), weights_only=False)  # what plain unpickling would do
    assert marker.exists()


def test_a_checkpoint_trained_by_the_cli_opens_and_explores(app_url, client, trained, app_server):
    outcome, latent_models, collapse_models = client.predict(
        [handle_file(str(trained.with_suffix(".safetensors"))), handle_file(str(trained.with_suffix(".json")))],
        api_name="/open_checkpoint")
    assert "upload:myring" in outcome and "ring-gan" in outcome and "step 20" in outcome
    assert any(value == "upload:myring" for _, value in latent_models["choices"])
    assert any(value == "upload:myring" for _, value in collapse_models["choices"])
    picture = Image.open(client.predict("upload:myring", 3, [0.5], [], 0, api_name="/generate"))
    assert picture.size[0] > 100, "a 2-D model's latent is drawn as a star in its cloud"
    status, body = fetch(app_url + "gan/latent.png?" + urlencode({"entry": "upload:myring", "seed": 3}))
    assert status == 200 and body[:4] == b"\x89PNG"
    summary, _, _, counts, report = client.predict("upload:myring", 0, 20, api_name="/mode_collapse")
    assert "your checkpoint" in summary and report["weights"] == "checkpoint" and report["step"] == 20
    assert sum(counts.values()) == 2500
    opened = list((app_server.runs / "opened").rglob("myring.safetensors"))
    assert len(opened) == 1, "kept in the app's data directory, once"


# ---------------------------------------------------------------- image uploads (Denoise, Translate)


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def noise_image(mode: str, size: tuple[int, int] = (40, 32)) -> Image.Image:
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    array = np.random.default_rng(0).integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    return Image.fromarray(array.squeeze(-1) if channels == 1 else array, mode)


def png_header_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims a huge picture: the decompression-bomb shape."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def animated_gif() -> bytes:
    frames = [Image.new("L", (16, 16), value) for value in (0, 128, 255)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:])


# name -> (file name, bytes, message): refused with the message
REFUSED_IMAGES = {
    "text named .png": ("notes.png", b"not an image at all", "not an image we can read"),
    "a PDF named .png": ("doc.png", b"%PDF-1.4 this is not a picture", "not an image we can read"),
    "truncated PNG": ("cut.png", encode(noise_image("RGB", (200, 200)), "PNG")[:20_000], "damaged or truncated"),
    "1 x 1 pixel": ("dot.png", encode(Image.new("L", (1, 1)), "PNG"), "at least 8 pixels"),
    "header claiming 50,000 x 50,000 (decompression bomb)": ("bomb.png", png_header_claiming(50_000, 50_000),
                                                              "megapixels"),
    "a real 50-megapixel picture": ("huge.png", encode(Image.new("L", (7072, 7072), 128), "PNG"), "megapixels"),
}
# name -> (file name, bytes, note the result carries, or None): converted and used
ODD_IMAGES = {
    "16-bit grey PNG": ("deep.png", encode(Image.fromarray((np.arange(40 * 32, dtype=np.uint16).reshape(32, 40) * 50)
                                                           .astype(np.uint16)), "PNG"), "High bit depth"),
    "CMYK JPEG": ("print.jpg", encode(noise_image("RGB").convert("CMYK"), "JPEG"), "CMYK"),
    "palette PNG": ("palette.png", encode(noise_image("RGB").convert("P"), "PNG"), None),
    "RGBA with transparency": ("alpha.png", encode(noise_image("RGBA"), "PNG"), "Transparent"),
    "animated GIF": ("anim.gif", animated_gif(), "animated (3 frames)"),
}
IMAGE_CALLS = {  # endpoint -> (call with a file, which output holds the text with the notes)
    "denoise": (lambda client, path: client.predict(handle_file(path), None, "gaussian", "fidelity", False, 25, 7,
                                                    False, 1, api_name="/denoise"), 1),
    "translate": (lambda client, path: client.predict(handle_file(path), "a2b", api_name="/translate"), 3),
}


def image_endpoint(client: Client, api: str):
    named = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    if f"/{api}" not in named:
        pytest.skip(f"this app has no /{api} endpoint")
    return IMAGE_CALLS[api]


@pytest.mark.parametrize("api", list(IMAGE_CALLS))
@pytest.mark.parametrize("case", list(REFUSED_IMAGES))
def test_bad_image_upload_is_refused_with_the_reason(app_url, client, tmp_path, api, case):
    call, _ = image_endpoint(client, api)
    name, data, message = REFUSED_IMAGES[case]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(AppError, match=message):
        call(client, str(path))
    assert_still_serving(app_url)


@pytest.mark.parametrize("api", list(IMAGE_CALLS))
@pytest.mark.parametrize("case", list(ODD_IMAGES))
def test_odd_image_modes_are_converted_and_named(app_url, client, tmp_path, api, case):
    call, text_at = image_endpoint(client, api)
    name, data, note = ODD_IMAGES[case]
    path = tmp_path / name
    path.write_bytes(data)
    outputs = call(client, str(path))
    if note is not None:
        assert note in str(outputs[text_at]), outputs[text_at]
    assert_still_serving(app_url)


# ---------------------------------------------------------------- nothing written outside the data directory


def test_nothing_was_written_outside_the_data_directory(app_url, app_server, tree_before):
    assert_still_serving(app_url)
    after = snapshot(ROOT)
    added = sorted(set(after) - set(tree_before))
    changed = sorted(k for k in set(after) & set(tree_before) if after[k] != tree_before[k])
    assert not added and not changed, f"written in the repository: {added[:5]} {changed[:5]}"
    # Gradio's uploads went to the app's own data directory (GRADIO_TEMP_DIR set by app.py)
    uploads = app_server.runs / "gradio-tmp"
    assert any(p.name == "myring.json" for p in uploads.rglob("*")), list(uploads.rglob("*"))[:5]


def test_path_like_names_stay_inside_the_data_directory(app_server, client, trained, tmp_path):
    """A file called '..%2F..%2Fevil' cannot steer where the copy lands: names are cut to [A-Za-z0-9._-]."""
    odd = tmp_path / quote("../../evil", safe="")
    odd.mkdir()
    files = write_pair(odd, "..evil name!", trained.with_suffix(".safetensors").read_bytes(), manifest(trained))
    outcome = client.predict([handle_file(str(f)) for f in files], api_name="/open_checkpoint")[0]
    assert "upload:evil-name" in outcome
    assert all(app_server.runs in p.parents for p in app_server.runs.rglob("*evil*"))
