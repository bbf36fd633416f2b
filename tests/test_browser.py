"""The launched app in headless Chromium (Debian's /usr/bin/chromium driven by Playwright), as a visitor sees it.

Waits are on the 'load' event and on DOM state, never on network idle: the page polls the
training run every second, so the network is never idle.
"""

from __future__ import annotations

import base64
import io
import time
import urllib.request
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

pytest.importorskip("playwright.sync_api")
from gradio_client import Client  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402

from gan_explorer import latent, webexport, zoo  # noqa: E402
from gan_explorer.config import ModelConfig  # noqa: E402
from gan_explorer.models import build_model  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 60_000
NAVIGATION_TIMEOUT_MS = 45_000
TABS = {"Train": "#train-status", "Latent explorer": "#latent-live", "Conditional": "#cond-grid img",
        "Mode collapse": "#collapse-wall img", "Denoise": "#denoise-run", "Translate": "#translate-run"}

# The pixels on show in the latent explorer, read back through a canvas (same origin), and the view
# they are of (the PNG export link, which both drawing paths keep current). The page draws slider
# moves into #latent-canvas itself; the server's <img> shows otherwise. A drag may still swap the
# img's src while it decodes (decode() then rejects): retry until one src decodes whole.
PICTURE = """async () => {
  const img = document.getElementById('latent-live');
  const canvas = document.getElementById('latent-canvas');
  const view = () => document.getElementById('latent-download').href;
  if (canvas && canvas.style.display !== 'none') return [view(), canvas.toDataURL()];
  for (let attempt = 0; attempt < 100; attempt++) {
    const src = img.getAttribute('src');
    try { await img.decode(); } catch (e) { await new Promise(r => setTimeout(r, 50)); continue; }
    if (img.getAttribute('src') !== src) continue;
    const copy = document.createElement('canvas');
    copy.width = img.naturalWidth; copy.height = img.naturalHeight;
    copy.getContext('2d').drawImage(img, 0, 0);
    return [view(), copy.toDataURL()];
  }
  throw new Error('the latent picture never settled');
}"""
VIEW_IS = "document.getElementById('latent-download').href.includes({!r})"
LEVELS = 2  # most a pixel may differ between the browser's picture and the server's (of 255)


def pixels(data: bytes | str) -> np.ndarray:
    """RGB array of a PNG, given as bytes or as a data: URL."""
    if isinstance(data, str):
        data = base64.b64decode(data.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


def server_picture(view_url: str) -> np.ndarray:
    """The server's own rendering of a view (its PNG route at scale 1)."""
    parts = urlsplit(view_url)
    query = {k: v for k, v in parse_qsl(parts.query) if k not in ("scale", "download")}
    with urllib.request.urlopen(f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}") as response:
        return pixels(response.read())


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, app_url):
    """open_page(query="", locale="en-US") -> (page, console errors); every page closes afterwards."""
    contexts = []

    def opener(query: str = "", locale: str = "en-US") -> tuple[Page, list[str]]:
        # On a loaded 2-core machine a first navigation has been seen to stall past a minute
        # now and then; one fresh retry separates that from a page that really never loads.
        for attempt in range(2):
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            try:
                page.goto(app_url + query, wait_until="load", timeout=NAVIGATION_TIMEOUT_MS)
            except PlaywrightTimeoutError:
                if attempt:
                    raise
                continue
            page.wait_for_selector("#tabs")
            return page, errors

    yield opener
    for context in contexts:
        context.close()


def show_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_selector(TABS[name], state="visible")


def test_page_loads_and_every_tab_renders(open_page):
    page, errors = open_page()
    for name in TABS:
        show_tab(page, name)
    page.wait_for_function("document.getElementById('latent-live') === null || "
                           "document.getElementById('latent-live').complete")
    assert "GAN Explorer" in page.title()
    assert not errors, f"console errors: {errors}"


def drag_slider(page: Page, selector: str, start: float = 0.3, end: float = 0.95) -> None:
    box = page.locator(f"{selector} input[type=range]").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + start * box["width"], y)
    page.mouse.down()
    page.mouse.move(box["x"] + end * box["width"], y, steps=5)
    page.mouse.up()


def test_dragging_a_slider_redraws_in_the_page_as_the_server_would(open_page):
    page, errors = open_page()
    show_tab(page, "Latent explorer")
    page.wait_for_function("document.getElementById('latent-live').complete")
    before_view, before = page.evaluate(PICTURE)
    page.wait_for_function("document.querySelector('.live-view[data-model]') !== null")
    time.sleep(1.0)  # the generator loads in the background (a megabyte from localhost)
    drag_slider(page, "#latent-dim-0")
    page.wait_for_function(f"document.getElementById('latent-download').href !== {before_view!r}")
    page.wait_for_function("window.__ganLatency.length > 0")
    page.wait_for_function("document.getElementById('latent-canvas').style.display !== 'none'")
    view, after = page.evaluate(PICTURE)
    assert "dims=" in view and after != before, "the picture follows the slider"
    shown, expected = pixels(after), server_picture(view)
    assert shown.shape == expected.shape == (28, 28, 3)
    assert np.abs(shown - expected).max() <= LEVELS, "the page draws what the server's PNG route draws"
    assert not errors, f"console errors: {errors}"


def test_the_server_route_stays_the_fallback(open_page):
    """Models the page cannot run (2-D points) and a page told to use the server keep following the sliders."""
    page, errors = open_page("?tab=latent&entry=ring-gan&seed=3")
    page.wait_for_function("document.getElementById('latent-live')?.getAttribute('src').includes('ring-gan')")
    assert page.locator("#latent-canvas").count() == 0, "no canvas for a model the page cannot run"
    before = page.locator("#latent-live").get_attribute("src")
    drag_slider(page, "#latent-dim-1")
    page.wait_for_function(f"document.getElementById('latent-live').getAttribute('src') !== {before!r}")
    page.wait_for_function("window.__ganLatency.length > 0")

    page, _ = open_page("?tab=latent&entry=dcgan-mnist&seed=5")
    page.wait_for_function("document.querySelector('.live-view[data-model]') !== null")
    page.evaluate("window.__ganSliderPath = 'server'")
    before = page.locator("#latent-live").get_attribute("src")
    drag_slider(page, "#latent-dim-2")
    page.wait_for_function(f"document.getElementById('latent-live').getAttribute('src') !== {before!r}")
    assert page.locator("#latent-canvas").evaluate("c => c.style.display") == "none"
    assert not errors, f"console errors: {errors}"


# Runs an exported generator in the page: the spec and the base64 weights come from the test.
RUN_EXPORT = """([spec, weights, z, label]) => {
  const bytes = Uint8Array.from(atob(weights), (c) => c.charCodeAt(0));
  const generator = new window.ganGenerator.Generator(spec, bytes.buffer);
  return Array.from(generator.run(Float32Array.from(z), label));
}"""
EXPORTS = {
    "dcgan-mnist": None,
    "conditional DCGAN": ModelConfig(family="dcgan", data_shape=(1, 16, 16), latent_dim=12, base_channels=8,
                                     g_output="tanh", num_classes=4),
    "MLP with batch norm": ModelConfig(family="mlp", data_shape=(3, 8, 8), latent_dim=6, g_hidden=(20,),
                                       d_hidden=(8,), activation="tanh", norm="batch", g_output="tanh"),
    "MLP with layer norm": ModelConfig(family="mlp", data_shape=(1, 28, 28), latent_dim=10, g_hidden=(32,),
                                       d_hidden=(8,), activation="leaky_relu", norm="layer", g_output="sigmoid",
                                       num_classes=3),
    "plain convolutions": "conv2d",
    # the page picks the cluster from z[0] itself, as GAN.latent_clusters does
    "self-conditioned DCGAN": ModelConfig(family="dcgan", data_shape=(1, 16, 16), latent_dim=12, base_channels=8,
                                          g_output="tanh", clusters=5, d_conditioning="projection"),
}


def _export_model(kind):
    torch.manual_seed(0)
    if kind is None:
        return zoo.load("dcgan-mnist")
    if kind == "conv2d":
        model = build_model(EXPORTS["conditional DCGAN"]).eval()
        net = model.generator.net
        # 16 → 8 (strided convolution) → 16 (transposed): the image keeps its size
        model.generator.net = nn.Sequential(*net[:-1], nn.Conv2d(1, 3, 3, 1, 1), nn.LeakyReLU(0.1),
                                            nn.Conv2d(3, 1, 4, 2, 1), nn.ConvTranspose2d(1, 1, 4, 2, 1), net[-1]).eval()
        return model
    return build_model(kind).eval()


@pytest.mark.parametrize("name", EXPORTS)
def test_the_page_runtime_matches_the_reference_for_every_op(open_page, name):
    """generator.js against webexport.run_reference (which the exporter checks against torch), op by op kind."""
    page, errors = open_page()
    model = _export_model(EXPORTS[name])
    spec, weights = webexport.export_generator(model)
    z = model.sample_latent(1, generator=torch.Generator().manual_seed(7), device="cpu")[0]
    label = 1 if model.num_classes else None
    got = page.evaluate(RUN_EXPORT, [spec, base64.b64encode(weights).decode(), z.tolist(), label])
    expected = webexport.run_reference(spec, weights, z.numpy(), label)
    assert np.abs(np.array(got) - expected.reshape(-1)).max() < 1e-5
    assert not errors, f"console errors: {errors}"


@pytest.mark.parametrize("entry, label", [("dcgan-mnist", None), ("mnist-mlp-improved", None), ("cgan-mnist", 3),
                                          ("dcgan-mnist-clusters", None)])
def test_the_page_draws_the_servers_picture(open_page, app_url, entry, label):
    """Seed latent + slider values + principal directions, composed and drawn in Chromium, against the PNG route."""
    page, errors = open_page()
    model = zoo.load(entry)
    base = latent.latent_for_seed(model, 11).tolist()
    dims = [round(0.7 * ((-1) ** i) * (i % 4), 2) for i in range(8)]
    pcs = [1.5, -2.0, 0.5]
    shown = page.evaluate("""async ([entry, base, dims, pcs, label]) => {
      const generator = await window.ganGenerator.load('gan/generator/' + entry + '.json');
      const canvas = document.createElement('canvas');
      generator.draw(canvas, generator.compose(base, dims, pcs), label);
      return canvas.toDataURL();
    }""", [entry, base, dims, pcs, label])
    view = render_query(entry, 11, dims, pcs, label)
    expected = server_picture(f"{app_url}gan/latent.png?{urlencode(view)}")
    assert np.abs(pixels(shown) - expected).max() <= LEVELS
    assert not errors, f"console errors: {errors}"


def render_query(entry: str, seed: int, dims: list[float], pcs: list[float], label: int | None) -> dict:
    query = {"entry": entry, "seed": seed, "dims": ",".join(map(str, dims)), "pcs": ",".join(map(str, pcs))}
    return {**query, "label": label} if label is not None else query


def test_starting_training_makes_the_plot_grow(open_page, app_url):
    Client(app_url, verbose=False).predict(api_name="/train_reset")
    page, errors = open_page()
    page.wait_for_selector("#train-start")
    # the entry's recipe arrives with the page's load event; starting before it would send empty settings
    page.wait_for_function("Number(document.querySelector('#train-batch input').value) > 0")
    steps = page.locator("#train-steps input")
    steps.fill("1000000")
    steps.press("Tab")
    page.click("#train-start")
    page.wait_for_function("document.querySelector('#train-status').innerText.includes('running')")
    plot = page.locator("#train-loss-plot")
    page.wait_for_function("document.querySelector('#train-loss-plot canvas, #train-loss-plot svg') !== null")
    time.sleep(1.5)
    first = plot.screenshot()
    first_step = _step(page)
    page.wait_for_function(f"(() => {{ const m = document.querySelector('#train-status').innerText"
                           f".match(/step (\\d+)/); return m && Number(m[1]) > {first_step + 200}; }})()")
    time.sleep(1.5)
    assert plot.screenshot() != first, "the loss plot redraws as the run goes on"
    page.click("#train-stop")
    page.wait_for_function("document.querySelector('#train-status').innerText.includes('stopped')")
    Client(app_url, verbose=False).predict(api_name="/train_reset")
    assert not errors, f"console errors: {errors}"


def _step(page: Page) -> int:
    text = page.locator("#train-status").inner_text()
    return int(text.split("step ")[1].split()[0])


def test_a_deep_link_shows_the_same_picture(open_page):
    page, _ = open_page()
    show_tab(page, "Latent explorer")
    page.fill("#latent-seed input", "42")
    page.wait_for_function(VIEW_IS.format("seed=42"))
    page.locator("#latent-pc-0 input[type=range]").fill("-2")
    page.wait_for_function(VIEW_IS.format("pcs=-2"))
    page.wait_for_function("window.__ganLatency.length > 0")
    _, original = page.evaluate(PICTURE)
    page.click("#latent-link-btn")
    field = page.locator("#latent-link textarea, #latent-link input").first
    page.wait_for_function("(() => { const f = document.querySelector('#latent-link textarea, #latent-link input');"
                           " return f && f.value.startsWith('http'); })()")
    link = field.input_value()
    assert "tab=latent" in link and "seed=42" in link and "pcs=-2" in link

    other, errors = open_page(link[link.index("?"):])
    other.wait_for_selector("#latent-live", state="visible")
    other.wait_for_function(VIEW_IS.format("seed=42"))
    _, reopened = other.evaluate(PICTURE)
    # the first page may have drawn it itself, the reopened one shows the server's PNG
    assert np.abs(pixels(reopened) - pixels(original)).max() <= LEVELS
    assert other.locator("#latent-seed input").input_value() == "42"
    assert not errors, f"console errors: {errors}"


def test_the_page_follows_the_browser_language_and_switches(open_page):
    page, _ = open_page(locale="zh-CN")
    tabs = page.locator("#tabs button[role=tab]")
    page.wait_for_function("document.querySelector('#tabs button[role=tab]').innerText.includes('训练')")
    assert tabs.all_inner_texts()[:2] == ["训练", "潜在空间"]
    page.wait_for_function("document.querySelector('#lang-switch input:checked')?.value === 'zh'")
    page.get_by_label("English").check()
    page.wait_for_function("[...document.querySelectorAll('#tabs button[role=tab]')]"
                           ".map(t => t.innerText).join('|') === "
                           "'Train|Latent explorer|Conditional|Mode collapse|Denoise|Translate|Open a checkpoint'")


def test_the_mode_collapse_tab_measures_and_teaches(open_page):
    """Opening the tab fills it: the MNIST figures beside real digits, the class histogram, the wall,
    the closest pairs and the textbook lesson; Inspect redraws for another seed."""
    page, errors = open_page()
    show_tab(page, "Mode collapse")
    for selector in ("#collapse-hist img", "#collapse-duplicates img", "#collapse-pairs img",
                     "#collapse-lesson-mnist-mlp-naive img", "#collapse-lesson-dcgan-mnist img"):
        page.wait_for_selector(selector, state="visible")
    summary = page.locator("#collapse-summary")
    page.wait_for_function("document.querySelector('#collapse-summary').innerText.includes('Classes covered')")
    assert "real data" in summary.inner_text() and "Fréchet distance" in summary.inner_text()
    page.wait_for_function("document.querySelector('#collapse-lesson-real').innerText.includes('Real held-out')")
    assert "Classes covered" in page.locator("#collapse-lesson-dcgan-mnist-numbers").inner_text()
    assert "fills while" in page.locator("#collapse-coverage-note").inner_text()
    assert not page.locator("#collapse-bars").is_visible(), "no mode bars for digits"

    before = page.locator("#collapse-wall img").get_attribute("src")
    page.fill("#collapse-seed input", "5")
    page.click("#collapse-btn")
    page.wait_for_function(f"document.querySelector('#collapse-wall img').getAttribute('src') !== {before!r}")
    page.wait_for_function("document.querySelector('#collapse-summary').innerText.includes('seed 5')")
    assert not errors, f"console errors: {errors}"


def test_a_mode_collapse_link_opens_the_2d_view(open_page):
    page, errors = open_page("?tab=collapse&entry=ring-gan&seed=3&count=50")
    page.wait_for_selector("#collapse-wall img", state="visible")
    page.wait_for_selector("#collapse-bars", state="visible")
    page.wait_for_function("document.querySelector('#collapse-summary').innerText.includes('Modes captured')")
    assert "seed 3" in page.locator("#collapse-summary").inner_text()
    assert not page.locator("#collapse-hist").is_visible() and not page.locator("#collapse-pairs").is_visible()
    assert page.locator("#collapse-seed input").input_value() == "3"
    assert not errors, f"console errors: {errors}"


def test_the_translate_tab_runs_a_held_out_example_in_one_click(open_page):
    page, errors = open_page()
    show_tab(page, "Translate")
    page.locator("#tab-translate .gallery-item, #tab-translate button.example, #tab-translate tbody tr").first.click()
    page.wait_for_function("document.querySelector('#translate-summary')?.innerText.includes('PSNR')")
    for selector in ("#translate-input img", "#translate-output img", "#translate-reconstruction img"):
        page.wait_for_selector(selector)
    assert not errors, f"console errors: {errors}"


def test_the_denoise_tab_cleans_an_uploaded_photo(open_page, tmp_path):
    """A visitor's upload goes through the whole tab: noise added, denoised, compared, scored, downloadable."""
    from skimage import data as skimage_data

    photo = tmp_path / "camera.png"
    Image.fromarray(skimage_data.camera()[128:384, 128:384]).save(photo)  # held out from training
    page, errors = open_page()
    show_tab(page, "Denoise")
    page.locator("#denoise-upload input[type=file]").set_input_files(str(photo))
    page.wait_for_function("document.querySelectorAll('#denoise-upload a, #denoise-upload .file-name').length >= 1")
    page.locator("#denoise-run").click()
    page.wait_for_function("document.querySelector('#denoise-report')?.innerText.includes('PSNR')")
    report = page.locator("#denoise-report").inner_text()
    assert "SSIM" in report and "median" in report.lower()
    assert page.locator("#denoise-compare img").count() >= 2  # the input ↔ result slider holds both pictures
    page.wait_for_function("document.querySelectorAll('#denoise-gallery img').length >= 3")  # the classical filters
    page.wait_for_selector("#denoise-download a")
    assert not errors, f"console errors: {errors}"
