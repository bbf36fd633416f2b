"""Data-parallel training: two real CPU processes under torchrun (gloo), replicas in lockstep."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from ports import free_port

from gan_explorer import data, zoo
from gan_explorer.checkpoints import load_checkpoint
from gan_explorer.training import distributed

REPO = Path(__file__).resolve().parents[1]


def test_shards_are_disjoint_and_cover_the_data():
    full = data.load("ring", "train")
    shards = [distributed.shard(full, distributed.Context(rank, rank, 3)) for rank in range(3)]
    rows = [{tuple(r) for r in s.x.tolist()} for s in shards]
    assert sum(len(s) for s in shards) == len(full)
    assert not (rows[0] & rows[1]) and not (rows[1] & rows[2]) and not (rows[0] & rows[2])
    assert distributed.shard(full, distributed.SINGLE) is full


def _torchrun(entry: str, out: Path, cwd: Path, steps: int = 4) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1",
           f"--master_port={free_port()}", "-m", "gan_explorer", "train", entry, "--steps", str(steps),
           "--batch-size", "8", "--checkpoint-every", "2", "--device", "cpu", "--out", str(out)]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _check_run(entry: str, tmp_path: Path) -> None:
    out = tmp_path / "run" / entry
    done = _torchrun(entry, out, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    # rank 0 alone wrote: one checkpoint, its resume state and the sample grid, nothing else anywhere
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        f"{entry}{suffix}" for suffix in (".json", ".resume.pt", ".safetensors", "-samples.png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert done.stdout.count("replicas identical") == 1 and done.stdout.count("trained ") == 1
    # every rank's weights hashed the same; rank 1's hash equals that of rank 0's checkpoint
    replica_hash = re.search(r"state sha256 ([0-9a-f]{64})", done.stdout).group(1)
    model = zoo.create(entry)
    metadata, _ = load_checkpoint(out, model, expected_entry=entry)
    assert metadata["step"] == 4
    assert distributed.state_hash(model) == replica_hash
    fresh = zoo.create(entry)
    assert any(not torch.equal(a, b) for a, b in zip(model.state_dict().values(), fresh.state_dict().values()))


def test_two_processes_train_identical_replicas_and_only_rank_0_writes(tmp_path):
    _check_run("dcgan-mnist", tmp_path)  # batch norm buffers, fakes reused for G's update


@pytest.mark.slow
def test_wgan_gp_trains_on_two_processes(tmp_path):
    _check_run("wgan-gp-mnist", tmp_path)  # the gradient penalty's double backward


def test_self_conditioned_replicas_share_rank_0s_clusters(tmp_path):
    # each rank fits k-means on its own shard; after the broadcast all label their digits by rank 0's
    _check_run("dcgan-mnist-clusters", tmp_path)
