"""The launched app in headless Chromium (Debian's /usr/bin/chromium driven by Playwright), as a visitor sees it.

Waits are on the 'load' event and on DOM state, never on network idle: the page polls the
training run every second, so the network is never idle.
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("playwright.sync_api")
from gradio_client import Client  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 60_000
NAVIGATION_TIMEOUT_MS = 45_000
TABS = {"Train": "#train-status", "Latent explorer": "#latent-live", "Conditional": "#cond-grid img",
        "Mode collapse": "#collapse-wall img"}

# The decoded pixels of the latent picture, read back through a canvas (same origin). A drag may
# still swap the src while it decodes (decode() then rejects): retry until one src decodes whole.
PICTURE = """async () => {
  const img = document.getElementById('latent-live');
  for (let attempt = 0; attempt < 100; attempt++) {
    const src = img.getAttribute('src');
    try { await img.decode(); } catch (e) { await new Promise(r => setTimeout(r, 50)); continue; }
    if (img.getAttribute('src') !== src) continue;
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    canvas.getContext('2d').drawImage(img, 0, 0);
    return [src, canvas.toDataURL()];
  }
  throw new Error('the latent picture never settled');
}"""


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


def test_dragging_a_slider_changes_the_picture(open_page):
    page, errors = open_page()
    show_tab(page, "Latent explorer")
    page.wait_for_function("document.getElementById('latent-live').complete")
    before_src, before = page.evaluate(PICTURE)
    box = page.locator("#latent-dim-0 input[type=range]").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 0.3 * box["width"], y)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.95 * box["width"], y, steps=5)
    page.mouse.up()
    page.wait_for_function(f"document.getElementById('latent-live').getAttribute('src') !== {before_src!r}")
    page.wait_for_function("window.__ganLatency.length > 0")
    after_src, after = page.evaluate(PICTURE)
    assert "dims=" in after_src and after != before, "the picture follows the slider"
    assert not errors, f"console errors: {errors}"


def test_starting_training_makes_the_plot_grow(open_page, app_url):
    Client(app_url, verbose=False).predict(api_name="/train_reset")
    page, errors = open_page()
    page.wait_for_selector("#train-start")
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
    page.wait_for_function("document.getElementById('latent-live').getAttribute('src').includes('seed=42')")
    page.locator("#latent-pc-0 input[type=range]").fill("-2")
    page.wait_for_function("document.getElementById('latent-live').getAttribute('src').includes('pcs=-2')")
    _, original = page.evaluate(PICTURE)
    page.click("#latent-link-btn")
    field = page.locator("#latent-link textarea, #latent-link input").first
    page.wait_for_function("(() => { const f = document.querySelector('#latent-link textarea, #latent-link input');"
                           " return f && f.value.startsWith('http'); })()")
    link = field.input_value()
    assert "tab=latent" in link and "seed=42" in link and "pcs=-2" in link

    other, errors = open_page(link[link.index("?"):])
    other.wait_for_selector("#latent-live", state="visible")
    other.wait_for_function("document.getElementById('latent-live').getAttribute('src').includes('seed=42')")
    _, reopened = other.evaluate(PICTURE)
    assert reopened == original
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
                           "'Train|Latent explorer|Conditional|Mode collapse|Open a checkpoint'")


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
