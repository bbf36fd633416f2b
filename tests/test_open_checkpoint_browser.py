"""Open a checkpoint in headless Chromium: upload the two files, open, then explore it in the Latent explorer."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("playwright.sync_api")
from conftest import ROOT  # noqa: E402
from test_browser import browser, open_page, show_tab  # noqa: E402, F401 - the browser fixtures, shared

pytestmark = pytest.mark.browser


def test_a_trained_checkpoint_opens_and_the_latent_explorer_shows_it(open_page, tmp_path):  # noqa: F811
    stem = tmp_path / "mydigits"
    subprocess.run([sys.executable, "-m", "gan_explorer", "train", "dcgan-mnist", "--steps", "3", "--batch-size", "8",
                    "--out", str(stem)], cwd=ROOT, check=True, capture_output=True, timeout=180,
                   env={**os.environ, "OMP_NUM_THREADS": "1"})
    page, errors = open_page()
    page.get_by_role("tab", name="Open a checkpoint").click()
    page.locator("#open-files input[type=file]").set_input_files(
        [str(stem) + ".safetensors", str(stem) + ".json"])
    page.wait_for_function("document.querySelectorAll('#open-files a, #open-files .file-name').length >= 2")
    page.locator("#open-btn").click()
    page.wait_for_function("document.getElementById('open-outcome').innerText.includes('upload:mydigits')")
    assert "trained as dcgan-mnist, step 3" in page.locator("#open-outcome").inner_text()

    show_tab(page, "Latent explorer")
    page.locator("#latent-entry input").click()
    page.get_by_role("option", name="upload:mydigits", exact=False).click()
    page.wait_for_function("document.getElementById('latent-live').getAttribute('src').includes('upload%3Amydigits')")
    page.wait_for_function("document.getElementById('latent-status').innerText.includes('your checkpoint')")
    # the src changes before the picture has arrived: wait for it to be decoded
    page.wait_for_function("document.getElementById('latent-live').complete && "
                           "document.getElementById('latent-live').naturalWidth === 28")
    assert not errors, f"console errors: {errors}"

    later, later_errors = open_page()  # a page opened afterwards lists it too
    show_tab(later, "Latent explorer")
    later.locator("#latent-entry input").click()
    assert later.get_by_role("option", name="upload:mydigits", exact=False).count() == 1
    assert not later_errors, f"console errors: {later_errors}"
