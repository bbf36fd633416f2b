"""Training: one step (no I/O), the loop (events), and the background runner (thread)."""

from gan_explorer.training.device import pick_device
from gan_explorer.training.runner import RunSnapshot, TrainingRunner
from gan_explorer.training.step import STEP_MODES, train_step
from gan_explorer.training.trainer import Event, Trainer, TrainingDiverged

__all__ = ["STEP_MODES", "Event", "RunSnapshot", "Trainer", "TrainingDiverged", "TrainingRunner", "pick_device",
           "train_step"]
