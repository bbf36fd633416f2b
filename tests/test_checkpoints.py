from __future__ import annotations

import json
import os
import pickle
import random
import shlex
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import torch
from torch import nn

from gan_explorer import checkpoints
from gan_explorer.checkpoints import (
    CheckpointError,
    atomic_write,
    load_checkpoint,
    load_resume_state,
    read_metadata,
    save_checkpoint,
    save_resume_state,
    sha256_file,
    verify,
)

REPO = Path(__file__).resolve().parents[1]


def small_net(seed: int, hidden: int = 8) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, hidden), nn.BatchNorm1d(hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 2))


def trained_net(seed: int = 0) -> nn.Sequential:
    """A net whose BatchNorm running stats and counter have moved away from their defaults."""
    net = small_net(seed)
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(16, 4))
    return net.eval()


def save(stem: Path, net: nn.Module, **kw) -> Path:
    args = {"entry": "tiny", "config": {"hidden": 8}, "step": 7, "dataset": "ring"} | kw
    return save_checkpoint(stem, net, **args)


def test_round_trip_restores_outputs_and_batchnorm_buffers(tmp_path):
    net = trained_net()
    save(tmp_path / "tiny", net)
    fresh = small_net(seed=1).eval()
    x = torch.randn(5, 4)
    assert not torch.equal(fresh(x), net(x))
    meta, state = load_checkpoint(tmp_path / "tiny", fresh, expected_entry="tiny")
    assert torch.equal(fresh(x), net(x))
    assert int(fresh[1].num_batches_tracked) == 3
    assert torch.equal(fresh[1].running_mean, net[1].running_mean)
    assert state["1.num_batches_tracked"].dtype == torch.long
    assert meta["step"] == 7


def test_metadata_fields(tmp_path):
    path = save(tmp_path / "tiny", trained_net(), metrics={"loss_g": 0.69}, extra={"train": {"lr_g": 2e-4}})
    assert path == tmp_path / "tiny.safetensors"
    meta = read_metadata(tmp_path / "tiny")
    assert meta["format_version"] == checkpoints.FORMAT_VERSION
    assert (meta["entry"], meta["step"], meta["dataset"]) == ("tiny", 7, "ring")
    assert meta["config"] == {"hidden": 8}
    assert meta["metrics"] == {"loss_g": 0.69}
    assert meta["train"] == {"lr_g": 2e-4}
    assert set(meta["versions"]) == {"torch", "python", "gan_explorer"}
    assert meta["sha256"] == sha256_file(path)
    assert datetime.fromisoformat(meta["created"]).tzinfo is not None
    verify(tmp_path / "tiny")


def test_extra_may_not_overwrite_reserved_fields(tmp_path):
    with pytest.raises(ValueError, match="sha256"):
        save(tmp_path / "tiny", trained_net(), extra={"sha256": "0" * 64})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", ["", ".safetensors", ".json"])
def test_stem_accepted_with_either_suffix_and_dots_kept(tmp_path, suffix):
    save(tmp_path / "ring-gan.v2", trained_net())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ring-gan.v2.json", "ring-gan.v2.safetensors"]
    meta, _ = load_checkpoint(str(tmp_path / "ring-gan.v2") + suffix)
    assert meta["entry"] == "tiny"


def test_tied_weights_are_saved(tmp_path):
    net = nn.Sequential(nn.Linear(3, 3, bias=False), nn.Linear(3, 3, bias=False))
    net[1].weight = net[0].weight  # shared storage, which safetensors refuses unless cloned
    save(tmp_path / "tied", net)
    fresh = nn.Sequential(nn.Linear(3, 3, bias=False), nn.Linear(3, 3, bias=False))
    fresh[1].weight = fresh[0].weight
    load_checkpoint(tmp_path / "tied", fresh)
    assert torch.equal(fresh[0].weight, net[0].weight)


def test_missing_files_are_named(tmp_path):
    with pytest.raises(CheckpointError, match="not found.*nope.safetensors"):
        load_checkpoint(tmp_path / "nope")
    save(tmp_path / "tiny", trained_net())
    (tmp_path / "tiny.json").unlink()
    with pytest.raises(CheckpointError, match="not found.*tiny.json"):
        load_checkpoint(tmp_path / "tiny")


def test_truncated_weights(tmp_path):
    path = save(tmp_path / "tiny", trained_net())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(tmp_path / "tiny")


def test_garbage_weights(tmp_path):
    path = save(tmp_path / "tiny", trained_net())
    path.write_bytes(random.Random(0).randbytes(4096))
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(tmp_path / "tiny")


def test_broken_json(tmp_path):
    save(tmp_path / "tiny", trained_net())
    (tmp_path / "tiny.json").write_text('{"entry": "tiny", ')
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_checkpoint(tmp_path / "tiny")


def test_modified_tensor_bytes_fail_the_checksum(tmp_path):
    net = trained_net()
    path = save(tmp_path / "tiny", net)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # the last bytes belong to a tensor, so the file still parses
    path.write_bytes(bytes(data))
    fresh = small_net(seed=1)
    before = [p.clone() for p in fresh.parameters()]
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        load_checkpoint(tmp_path / "tiny", fresh)
    assert all(torch.equal(a, b) for a, b in zip(before, fresh.parameters(), strict=True))
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        verify(tmp_path / "tiny")


def test_rewritten_json_checksum_is_caught(tmp_path):
    save(tmp_path / "tiny", trained_net())
    meta = json.loads((tmp_path / "tiny.json").read_text())
    meta["sha256"] = "0" * 64
    (tmp_path / "tiny.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        load_checkpoint(tmp_path / "tiny")


def test_shape_mismatch_names_the_tensor(tmp_path):
    save(tmp_path / "tiny", trained_net())
    wider = small_net(seed=1, hidden=6)
    before = wider[0].weight.clone()
    with pytest.raises(CheckpointError, match=r"'tiny'.*0\.weight: checkpoint \(8, 4\) vs model \(6, 4\)"):
        load_checkpoint(tmp_path / "tiny", wider)
    assert torch.equal(wider[0].weight, before)


def test_missing_and_unexpected_keys_are_named(tmp_path):
    save(tmp_path / "tiny", trained_net())
    longer = nn.Sequential(*small_net(seed=1), nn.Linear(2, 2))
    with pytest.raises(CheckpointError, match=r"model tensor 4\.weight is missing from the checkpoint \(and 1 more\)"):
        load_checkpoint(tmp_path / "tiny", longer)
    shorter = nn.Sequential(*list(small_net(seed=1))[:3])
    with pytest.raises(CheckpointError, match=r"checkpoint tensor 3\.bias is not in the model \(and 1 more\)"):
        load_checkpoint(tmp_path / "tiny", shorter)


def test_expected_entry_mismatch(tmp_path):
    save(tmp_path / "tiny", trained_net())
    with pytest.raises(CheckpointError, match="is for 'tiny', not 'mnist-gan'"):
        load_checkpoint(tmp_path / "tiny", expected_entry="mnist-gan")


def test_failed_save_keeps_previous_checkpoint_and_leaves_no_temps(tmp_path, monkeypatch):
    old = trained_net(seed=0)
    save(tmp_path / "tiny", old, step=1)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save(tmp_path / "tiny", trained_net(seed=5), step=2)
    monkeypatch.undo()

    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.json", "tiny.safetensors"]
    fresh = small_net(seed=1).eval()
    meta, _ = load_checkpoint(tmp_path / "tiny", fresh)
    assert meta["step"] == 1
    assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), old.state_dict().values(), strict=True))


def test_writer_failing_halfway_leaves_old_file(tmp_path):
    target = tmp_path / "state.bin"
    target.write_bytes(b"old contents")

    def half_then_fail(f):
        f.write(b"new con")
        raise RuntimeError("killed halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["state.bin"]


def test_save_cut_between_the_two_renames_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    old = trained_net(seed=0)
    save(tmp_path / "tiny", old, step=1)
    real_replace = os.replace

    def replace_weights_only(src, dst):
        if str(dst).endswith(".json"):
            raise OSError("killed before the metadata rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_weights_only)
    with pytest.raises(OSError):
        save(tmp_path / "tiny", trained_net(seed=5), step=2)
    monkeypatch.undo()
    meta, state = load_checkpoint(tmp_path / "tiny")
    verify(tmp_path / "tiny")
    assert meta["step"] == 1
    assert all(torch.equal(state[k], v) for k, v in old.state_dict().items())


def test_a_modified_weights_file_is_a_checksum_mismatch_even_beside_a_previous_one(tmp_path):
    save(tmp_path / "tiny", trained_net(seed=0), step=1)
    save(tmp_path / "tiny", trained_net(seed=1), step=2)  # a completed save leaves no previous file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.json", "tiny.safetensors"]
    weights = tmp_path / "tiny.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-1] ^= 0xFF
    weights.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        load_checkpoint(tmp_path / "tiny")


KILL_SCRIPT = """
import sys, torch
from gan_explorer.checkpoints import save_checkpoint

model = torch.nn.Module()
model.register_buffer("big", torch.zeros(50 * 2**20 // 4))  # 50 MB of float32
step = 0
while True:
    model.big.fill_(step)
    save_checkpoint(sys.argv[1], model, entry="kill-test", config={}, step=step, dataset="none")
    print(step, flush=True)
    step += 1
"""


def test_sigkill_during_repeated_saves_leaves_a_valid_checkpoint(tmp_path):
    stem = tmp_path / "big"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(stem)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = proc.stdout.readline()  # blocks until the first save has completed
        assert first.strip() == "0", proc.stderr.read()
        time.sleep(random.Random(1234).uniform(0.0, 1.5))
    finally:
        proc.kill()  # SIGKILL on POSIX: no cleanup handlers run
        proc.communicate()
    meta, state = load_checkpoint(stem, expected_entry="kill-test")
    verify(stem)
    big = state["big"]
    assert big.numel() == 50 * 2**20 // 4
    # weights and metadata come from the same save
    assert torch.all(big == meta["step"])


def test_resume_state_round_trip_with_adam_and_rng(tmp_path):
    net = small_net(seed=0)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.5, 0.999))
    gen = torch.Generator().manual_seed(3)
    for _ in range(3):
        opt.zero_grad()
        net(torch.randn(8, 4, generator=gen)).pow(2).mean().backward()
        opt.step()
    state = {
        "model": net.state_dict(),
        "optimizer_g": opt.state_dict(),
        "optimizer_d": {},
        "step": 3,
        "rng_torch": torch.get_rng_state(),
        "rng_data": gen.get_state(),
        "train": {"lr_g": 1e-3, "betas": [0.5, 0.999], "loss": "bce"},
    }
    path = save_resume_state(tmp_path / "tiny.resume.pt", state)
    next_draw = torch.rand(4)  # what the saving process drew next; a resumed run must draw the same
    loaded = load_resume_state(path)
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.resume.pt"]
    assert loaded["step"] == 3 and loaded["train"] == state["train"] and loaded["optimizer_d"] == {}

    net2 = small_net(seed=9)
    opt2 = torch.optim.Adam(net2.parameters(), lr=0.5)
    net2.load_state_dict(loaded["model"])
    opt2.load_state_dict(loaded["optimizer_g"])
    gen2 = torch.Generator()
    gen2.set_state(loaded["rng_data"])
    # one more step on each must agree exactly: moments, step counts, lr and data stream all restored
    for n, o, g in ((net, opt, gen), (net2, opt2, gen2)):
        o.zero_grad()
        n(torch.randn(8, 4, generator=g)).pow(2).mean().backward()
        o.step()
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), net2.parameters(), strict=True))

    torch.set_rng_state(loaded["rng_torch"])
    assert torch.equal(torch.rand(4), next_draw)


class Payload:
    """Unpickling this runs a shell command: what a hostile checkpoint would do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


@pytest.mark.skipif(os.name == "nt", reason="the payload uses a POSIX shell command")
def test_malicious_pickle_is_refused_without_running(tmp_path):
    control = tmp_path / "control-ran"
    pickle.loads(pickle.dumps(Payload(control)))  # plain pickle would run it: the payload is live
    assert control.exists()

    marker = tmp_path / "pwned"
    torch.save({"step": 1, "model": Payload(marker)}, tmp_path / "evil.resume.pt")
    with pytest.raises(CheckpointError, match="refused.*posix.system"):
        load_resume_state(tmp_path / "evil.resume.pt")
    assert not marker.exists()


def test_damaged_or_missing_resume_state(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_resume_state(tmp_path / "none.pt")
    path = save_resume_state(tmp_path / "r.pt", {"x": torch.arange(1000)})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_resume_state(path)
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_resume_state(path)
