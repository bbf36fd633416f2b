"""Data-parallel training over several processes, launched by torchrun.

    torchrun --nproc_per_node=N -m gan_explorer train NAME ...

torchrun sets WORLD_SIZE, RANK, LOCAL_RANK and the rendezvous address in each process's
environment; ``init()`` reads them (env:// rendezvous, nothing hard-coded), so ``--nnodes``
and ``--rdzv_endpoint`` work the torchrun way. Every rank holds a full replica of G and D,
draws its batches from its own disjoint shard of the data and its own noise stream, and
after every backward pass the gradients are averaged over all ranks before the optimiser
steps: the replicas stay identical, as with DistributedDataParallel.

Why gradients are averaged by hand instead of wrapping G and D in DistributedDataParallel:
a GAN step runs D three times before one of its backward passes (real, fake, and G's fakes
with D frozen), freezes D's weights during G's update, and may differentiate D twice for
the gradient penalty (create_graph). DDP's reducer expects one forward per backward over a
fixed set of parameters; averaging in an optimiser pre-step hook serves every step mode,
n_critic and WGAN-GP alike, and leaves the step function and the checkpoint keys untouched.
Batch-norm running statistics are averaged after every update, so the buffers match too.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from gan_explorer.training.step import Generators
from gan_explorer.training.trainer import Trainer

# ranks > 0 offset their random streams by this much: far apart from the seed, seed + 1 and
# seed + 2 that one process uses (data, noise, fixed samples)
RANK_SEED_STRIDE = 1_000_003


@dataclass(frozen=True)
class Context:
    rank: int
    local_rank: int
    world_size: int

    @property
    def is_main(self) -> bool:
        """Rank 0 alone writes checkpoints, logs and the progress bar."""
        return self.rank == 0


SINGLE = Context(rank=0, local_rank=0, world_size=1)


def from_env() -> Context:
    """This process's place in a torchrun job; SINGLE when it was not launched by one."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return SINGLE
    return Context(int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0")), world_size)


def init(ctx: Context, device: torch.device) -> torch.device:
    """Join the process group (nccl for CUDA, gloo otherwise); returns this rank's device."""
    if ctx.world_size == 1:
        return device
    if device.type == "cuda":
        device = torch.device("cuda", ctx.local_rank)  # one GPU per process on each node
        torch.cuda.set_device(device)
    elif device.type != "cpu":
        raise ValueError(f"multi-process training runs on CUDA (nccl) or CPU (gloo), not {device.type}")
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", init_method="env://")
    return device


def finish(ctx: Context) -> None:
    """Wait until every rank is done: rank 1 tearing its gloo connections down while rank 0 still
    wrote the checkpoint once aborted rank 1 ("terminate called without an active exception")."""
    if ctx.world_size > 1 and dist.is_initialized():
        dist.barrier()


def shutdown(ctx: Context) -> None:
    if ctx.world_size > 1 and dist.is_initialized():
        dist.destroy_process_group()


def shard(dataset, ctx: Context):
    """This rank's disjoint share of the rows: every world_size-th one, from rank on."""
    if ctx.world_size == 1:
        return dataset
    if len(dataset) < ctx.world_size:
        raise ValueError(f"{len(dataset)} training rows cannot be shared among {ctx.world_size} processes")
    if hasattr(dataset, "indices"):  # HDF5 set: read only this rank's images
        part = copy.copy(dataset)
        part.indices = dataset.indices[ctx.rank :: ctx.world_size]
        part.labels = None if dataset.labels is None else dataset.labels[ctx.rank :: ctx.world_size]
        return part
    labels = None if dataset.labels is None else dataset.labels[ctx.rank :: ctx.world_size]
    return dataclasses.replace(dataset, x=dataset.x[ctx.rank :: ctx.world_size], labels=labels)


def prepare(trainer: Trainer, ctx: Context) -> None:
    """Make a (possibly resumed) trainer one replica of ``ctx.world_size``: rank 0's weights and
    buffers everywhere, a random stream of its own, gradients and buffers averaged every update."""
    if ctx.world_size == 1:
        return
    model = trainer.model
    with torch.no_grad():
        for tensor in model.state_dict().values():
            dist.broadcast(tensor, src=0)
    if model.config.clusters:  # each rank fitted its own shard: label by rank 0's clusters instead
        trainer.label_clusters()
    if ctx.rank:
        # different noise and batches per rank, so N ranks see N different mini-batches;
        # the step count keeps a resumed run from replaying the streams of its first start
        seed = trainer.cfg.seed + RANK_SEED_STRIDE * ctx.rank + trainer.step_count
        trainer.generators = Generators.seeded(seed, trainer.device)
    # D's update leaves G's fakes attached to G's graph for G's update, and batch norm's backward
    # reads its running statistics: so D's update averages D's buffers only, G's (last) update all
    buffer_owners = ((trainer.optimizers.g, model), (trainer.optimizers.d, getattr(model, "discriminator", None)))
    for optimizer, owner in buffer_owners:
        if optimizer is None:
            continue
        params = [p for group in optimizer.param_groups for p in group["params"]]
        optimizer.register_step_pre_hook(lambda _opt, _args, _kwargs, params=params: _average_gradients(params))
        optimizer.register_step_post_hook(lambda _opt, _args, _kwargs, owner=owner: _average_buffers(owner))


def _average(tensors: list[torch.Tensor]) -> None:
    """All-reduce a list of tensors as one flat buffer: one message instead of one per tensor."""
    if not tensors:
        return
    flat = torch.cat([t.reshape(-1).float() for t in tensors])
    dist.all_reduce(flat)
    flat /= dist.get_world_size()
    offset = 0
    for t in tensors:
        t.copy_(flat[offset : offset + t.numel()].view(t.shape))
        offset += t.numel()


def _average_gradients(params: list[torch.nn.Parameter]) -> None:
    # every rank ran the same update, so the same parameters hold gradients on every rank
    _average([p.grad for p in params if p.grad is not None])


@torch.no_grad()
def _average_buffers(model: torch.nn.Module) -> None:
    _average([b for b in model.buffers() if b.is_floating_point()])


def state_hash(model: torch.nn.Module) -> str:
    """sha256 of every parameter and buffer, by name: equal hashes mean equal replicas."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def replica_hashes(model: torch.nn.Module, ctx: Context) -> list[str]:
    """Every rank's state_hash, gathered on all ranks."""
    if ctx.world_size == 1:
        return [state_hash(model)]
    hashes: list[str | None] = [None] * ctx.world_size
    dist.all_gather_object(hashes, state_hash(model))
    return [str(h) for h in hashes]
