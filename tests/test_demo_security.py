"""What a public link (`python app.py --share --demo`) exposes, proven against the launched read-only app:
no endpoint that trains, saves, resets or opens checkpoints; uploads capped at 2 MB; no file outside the
app's own temporary folder readable through Gradio's file routes; and `--auth` guarding the API and the
fast route alike. (--share itself only tunnels this same server; the tests use loopback, no internet.)
"""

from __future__ import annotations

import io
import json
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import DEMO_LOGIN
from gradio_client import Client
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
WRITING = {"train_start", "train_stop", "train_pause", "train_resume", "train_step", "train_save", "train_update",
           "train_reset", "train_timelapse", "open_checkpoint"}
WRITING_CONTROLS = {"train-start", "train-pause", "train-resume", "train-stop", "train-step-d", "train-step-g",
                    "train-step-both", "train-apply", "train-reset", "train-save", "train-timelapse", "open-files",
                    "open-btn"}


def get(url: str, cookies: httpx.Cookies | None = None) -> httpx.Response:
    return httpx.get(url, cookies=cookies, timeout=30)


def config(url: str, cookies: httpx.Cookies | None = None) -> dict:
    response = get(url + "config", cookies)
    assert response.status_code == 200, response.text[:200]
    return response.json()


# ---------------------------------------------------------------- no writing endpoints


def test_the_demo_api_has_no_endpoint_that_writes(demo_url, app_url):
    named = set(Client(demo_url, verbose=False).view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert not {n.lstrip("/") for n in named} & WRITING
    full = set(Client(app_url, verbose=False).view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert WRITING <= {n.lstrip("/") for n in full}, "a full server has them all: the check means something"


def test_the_demo_page_registers_no_writing_listener_hidden_or_not(demo_url):
    """Not just hidden from the API page: the listeners are absent from the page's configuration."""
    cfg = config(demo_url)
    api_names = {d.get("api_name") for d in cfg["dependencies"]}
    assert not api_names & WRITING
    elem_ids = {c.get("props", {}).get("elem_id") for c in cfg["components"]}
    assert not elem_ids & WRITING_CONTROLS
    assert "train-status" in elem_ids, "the page itself is there: the Train tab still watches"


def test_calling_a_removed_endpoint_by_its_index_is_refused(demo_url):
    """A script may skip the names and post to the numbered queue: every listener it can reach only reads."""
    cfg = config(demo_url)
    body = json.dumps({"data": ["pattern1010", 0.01, 0.01, 1, 1, 100, 0], "fn_index": len(cfg["dependencies"]),
                       "session_hash": uuid.uuid4().hex})
    response = httpx.post(demo_url + "gradio_api/queue/join", content=body,
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code in (404, 422) or "error" in response.text.lower(), response.text[:200]
    status = Client(demo_url, verbose=False).predict(api_name="/train_status")
    assert status["status"] == "idle", "nothing started training"


# ---------------------------------------------------------------- uploads


def png_of_size(size: int) -> bytes:
    """A real PNG padded with a trailing chunk to about `size` bytes."""
    buffer = io.BytesIO()
    Image.new("L", (16, 16), 128).save(buffer, "PNG")
    return buffer.getvalue() + b"\0" * max(0, size - len(buffer.getvalue()))


def test_uploads_above_two_megabytes_are_refused(demo_url, demo_server):
    big = httpx.post(demo_url + "gradio_api/upload", files={"files": ("big.png", png_of_size(3 * 2**20))}, timeout=60)
    assert big.status_code == 413 and "maximum allowed size of 2097152 bytes" in big.text
    small = httpx.post(demo_url + "gradio_api/upload", files={"files": ("small.png", png_of_size(2**20))}, timeout=60)
    assert small.status_code == 200
    [stored] = small.json()
    assert Path(stored).resolve().is_relative_to((demo_server.runs / "gradio-tmp").resolve()), \
        "uploads land in the app's own data directory, not the machine's shared /tmp/gradio"
    assert not list(demo_server.runs.rglob("big.png")), "the refused file was not kept"


def test_oversized_request_bodies_are_refused_before_they_are_read(demo_url):
    """Without the cap, a 23 MB list of slider values cost the app 6 s and 440 MB to refuse."""
    body = json.dumps({"data": ["dcgan-mnist", 1, [0.5] * 1_000_000, [], 0]}).encode()  # about 5 MB
    for path in ("gradio_api/call/generate", "gradio_api/queue/join", "gan/latent.png"):
        response = httpx.post(demo_url + path, content=body, headers={"Content-Type": "application/json"},
                              timeout=60)
        assert response.status_code == 413 and "larger than 1 MB" in response.text, (path, response.text[:200])

    def chunks():  # no Content-Length: the body is counted as it streams in
        for _ in range(40):
            yield b" " * 2**17

    try:
        chunked = httpx.post(demo_url + "gradio_api/call/generate", content=chunks(), timeout=60)
        # FastAPI turns the cut-off read into its own 400 ("error parsing the body") before ours can answer
        assert chunked.status_code in (400, 413) and "event_id" not in chunked.text, chunked.text[:200]
    except httpx.HTTPError:  # or the connection is cut mid-body: refused either way
        pass
    small = httpx.post(demo_url + "gradio_api/call/generate", json={"data": ["dcgan-mnist", 1, [0.5], [], 0]},
                       timeout=60)
    assert small.status_code == 200 and "event_id" in small.json()


# ---------------------------------------------------------------- files


@pytest.fixture(scope="module")
def other_apps_upload():
    """A file in the machine's shared Gradio folder, as another Gradio app's visitor would leave it."""
    folder = Path(tempfile.gettempdir()) / "gradio" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    secret = folder / "someone-elses.png"
    secret.write_bytes(png_of_size(100))
    yield secret
    secret.unlink()
    folder.rmdir()


def forbidden_paths(runs: Path, other_app_file: Path) -> list[str]:
    repo = str(ROOT)
    return [
        "/etc/passwd", "/proc/self/environ", "../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd", quote("/etc/passwd", safe=""), "....//....//etc/passwd",
        f"{repo}/app.py", "app.py", f"{repo}/README.md", "README.md", f"{repo}/.git/config", ".git/HEAD",
        f"{repo}/checkpoints/ring-gan.safetensors", "checkpoints/ring-gan.json", f"{repo}/gan_explorer/zoo.py",
        str(runs), str(runs / "gradio-tmp"), str(other_app_file), f"{repo}/tests/../app.py",
        "http://127.0.0.1:1/", "file:///etc/passwd",
    ]


def test_no_file_outside_the_apps_own_folder_can_be_read(demo_url, demo_server, other_apps_upload):
    for path in forbidden_paths(demo_server.runs, other_apps_upload):
        for prefix in ("gradio_api/file=", "file=", "gradio_api/file/"):
            response = httpx.get(demo_url + prefix + path, timeout=30)
            assert response.status_code in (403, 404), f"{prefix}{path}: {response.status_code}"
            assert b"root:" not in response.content and b"import" not in response.content
    for path in ("static/../app.py", "assets/../../app.py", "gradio_api/static/../../app.py", "favicon.ico/../app.py",
                 "gan/latent.png/../../app.py"):
        response = httpx.get(demo_url + path, timeout=30, follow_redirects=True)
        assert b"import" not in response.content and b"[core]" not in response.content, path


def test_the_generator_routes_serve_only_zoo_generators(demo_url):
    """The page draws image models itself from their exported generator (weights of G only, never D):
    the route names a zoo entry, never a file, so no path reaches the disk."""
    spec = httpx.get(demo_url + "gan/generator/dcgan-mnist.json", timeout=60)
    assert spec.status_code == 200 and "discriminator" not in spec.text
    for entry in ("..%2F..%2Fapp.py", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e", "upload:nothing", "README.md",
                  "..\\..\\app.py", "ring-gan"):
        for suffix in (".json", ".bin?v=0"):
            response = httpx.get(f"{demo_url}gan/generator/{entry}{suffix}", timeout=30)
            assert response.status_code in (400, 404, 409), (entry, suffix, response.status_code)
            assert b"import" not in response.content and b"root:" not in response.content


def test_the_apps_own_pictures_still_load(demo_url):
    """The one folder that is served: pictures the app drew for this visitor."""
    picture = Client(demo_url, verbose=False).predict("dcgan-mnist", 1, [], [], 0, api_name="/generate")
    assert Image.open(picture).size == (28, 28)
    assert httpx.get(demo_url + "gan/latent.png?entry=../../etc/passwd&seed=1", timeout=30).status_code == 400


def test_a_full_servers_checkpoints_are_not_readable_either(app_url, app_server):
    """Saved runs live in the data directory, outside Gradio's temp folder: not served, even without --demo."""
    (app_server.runs / "probe").mkdir(parents=True, exist_ok=True)
    probe = app_server.runs / "probe" / "saved.safetensors"
    probe.write_bytes(b"weights")
    assert httpx.get(f"{app_url}gradio_api/file={probe}", timeout=30).status_code == 403


# ---------------------------------------------------------------- --auth


def test_auth_guards_the_api_the_files_and_the_fast_route(demo_auth_url):
    url = demo_auth_url
    guarded = ("config", "gradio_api/info", "gan/latent.png?entry=dcgan-mnist&seed=1", "gradio_api/file=/etc/passwd",
               "gan/generator/dcgan-mnist.json", "gan/generator/dcgan-mnist.bin?v=0")
    for path in guarded:
        assert get(url + path).status_code == 401, path
    with pytest.raises(Exception, match="credentials"):
        Client(url, verbose=False)
    with pytest.raises(Exception, match="Incorrect credentials|Could not login"):
        Client(url, auth=(DEMO_LOGIN[0], "wrong"), verbose=False)
    wrong = httpx.post(url + "login", data={"username": DEMO_LOGIN[0], "password": "wrong"}, timeout=30)
    assert wrong.status_code == 400 and not wrong.cookies

    login = httpx.post(url + "login", data={"username": DEMO_LOGIN[0], "password": DEMO_LOGIN[1]}, timeout=30)
    assert login.status_code == 200
    picture = get(url + "gan/latent.png?entry=dcgan-mnist&seed=1", login.cookies)
    assert picture.status_code == 200 and picture.content[:4] == b"\x89PNG"
    spec = get(url + "gan/generator/dcgan-mnist.json", login.cookies)
    assert spec.status_code == 200 and get(url + "gan/generator/" + spec.json()["weights_url"],
                                           login.cookies).status_code == 200
    assert config(url, login.cookies)["dependencies"], "the page's configuration, once logged in"
    client = Client(url, auth=DEMO_LOGIN, verbose=False)
    assert Image.open(client.predict("dcgan-mnist", 1, [], [], 0, api_name="/generate")).size == (28, 28)
    assert get(url + "gradio_api/file=/etc/passwd", login.cookies).status_code == 403, "logged in is not root"


def test_a_bad_request_to_the_demo_shows_the_message_but_no_traceback(demo_url):
    with pytest.raises(Exception) as info:
        Client(demo_url, verbose=False).predict("nope", 1, [], [], 0, api_name="/generate")
    assert "unknown zoo entry" in str(info.value) and "Traceback" not in str(info.value)
