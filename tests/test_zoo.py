"""The zoo's public API, Torch Hub, and the import rules of DESIGN.md."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from gan_explorer import zoo

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {"pattern1010", "sine-gan", "ring-gan", "grid-gan", "mnist-mlp-naive", "mnist-mlp-improved",
            "dcgan-mnist", "dcgan-mnist-clusters", "cgan-mnist", "wgan-gp-mnist", "dcgan-faces", "vae-mnist"}


def test_zoo_has_the_required_entries():
    assert REQUIRED <= set(zoo.list())


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_describe_and_sample_api(name):
    info = zoo.describe(name)
    assert info["name"] == name and info["parameters"] > 0 and info["lesson"]
    model = zoo.create(name)
    a, b = model.sample(3, seed=7), model.sample(3, seed=7)
    assert torch.equal(a, b), "a seed must reproduce the draw"
    z = model.sample_latent(2, device="cpu")
    labels = torch.tensor([1, 2]) if info["conditional"] else None
    assert model.generate(z, labels).shape[0] == 2


def test_overrides_and_unknown_names():
    assert zoo.create("dcgan-mnist", base_channels=8).config.base_channels == 8
    with pytest.raises(KeyError, match="unknown zoo entry"):
        zoo.entry("nope")


def test_conditional_models_need_valid_labels():
    model = zoo.create("cgan-mnist")
    with pytest.raises(ValueError, match="conditional"):
        model.generate(model.sample_latent(2, device="cpu"))
    with pytest.raises(ValueError, match="labels must lie"):
        model.generate(model.sample_latent(1, device="cpu"), torch.tensor([10]))


def test_torch_hub_loads_every_entry_locally():
    for name in sorted(REQUIRED):
        model = torch.hub.load(str(ROOT), name.replace("-", "_"), source="local", pretrained=False)
        assert model.sample(2, seed=0).shape == (2, *zoo.entry(name).model.data_shape)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_ui_imports_gradio():
    offenders = [
        str(p.relative_to(ROOT)) for p in (ROOT / "gan_explorer").rglob("*.py")
        if "ui" not in p.relative_to(ROOT / "gan_explorer").parts[:1]
        and any(n == "gradio" or n.startswith("gradio.") for n in _imports(p))
    ]
    assert offenders == []


def test_nothing_below_the_ui_imports_the_ui():
    offenders = [
        str(p.relative_to(ROOT)) for p in (ROOT / "gan_explorer").rglob("*.py")
        if "ui" not in p.relative_to(ROOT / "gan_explorer").parts[:1]
        and any(n.startswith("gan_explorer.ui") for n in _imports(p))
    ]
    assert offenders == []


def test_core_layers_import_downward_only():
    # models, losses, data and checkpoints sit below training, zoo, metrics, latent and denoise
    low = ["models", "losses", "data", "checkpoints", "config"]
    high = ("gan_explorer.training", "gan_explorer.zoo", "gan_explorer.metrics", "gan_explorer.latent",
            "gan_explorer.denoise")
    for part in low:
        target = ROOT / "gan_explorer" / part
        files = list(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]
        for f in files:
            bad = [n for n in _imports(f) if n.startswith(high)]
            assert not bad, f"{f.relative_to(ROOT)} imports {bad}"
