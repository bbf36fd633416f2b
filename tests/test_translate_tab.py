"""The Translate tab through its public API (gradio_client), on the real app, as a script would use it."""

from __future__ import annotations

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from gan_explorer.ui.tab_translate import EXAMPLES


@pytest.fixture(scope="module")
def client(app_url) -> Client:
    return Client(app_url, verbose=False)


def test_translate_a_held_out_photo_and_see_the_cycle(client, tmp_path):
    path = tmp_path / "wide.png"  # larger than the working size and in colour: scaled and made grey
    photo = np.asarray(Image.open(EXAMPLES / "camera.png"))
    Image.fromarray(np.stack([photo] * 3, -1)).resize((512, 512)).save(path)
    source, translated, reconstruction, summary = client.predict(handle_file(str(path)), "a2b",
                                                                 api_name="/translate")
    sizes = {Image.open(p).size for p in (source, translated, reconstruction)}
    assert sizes == {(256, 256)}
    assert "PSNR" in summary and "512 × 512" in summary
    sketch = np.asarray(Image.open(translated).convert("L"), dtype=np.float32) / 255
    assert sketch.mean() > 0.6, "a sketch is mostly white paper"


def test_a_file_that_is_not_an_image_gets_a_clear_message_and_the_app_keeps_serving(client, tmp_path):
    bogus = tmp_path / "notes.png"
    bogus.write_text("this is not a picture")
    with pytest.raises(AppError, match="not an image"):
        client.predict(handle_file(str(bogus)), "a2b", api_name="/translate")
    *_, summary = client.predict(handle_file(str(EXAMPLES / "camera-sketch.png")), "b2a", api_name="/translate")
    assert "PSNR" in summary


def test_translate_works_in_the_read_only_demo(demo_url):
    demo = Client(demo_url, verbose=False)
    *_, summary = demo.predict(handle_file(str(EXAMPLES / "brick.png")), "a2b", api_name="/translate")
    assert "PSNR" in summary
