"""Trainer: plain Python with callbacks. Knows nothing of threads or Qt.

Events go to one callback as plain dicts:
  {"type": "start", "total_steps", "train_size", "config"}
  {"type": "step", "step", "total_steps", "epoch", "loss", "accuracy", "images_per_s", "eta_s", "lr"}
  {"type": "epoch", "epoch", "epochs", "step", "test_loss", "test_accuracy", "per_class", "seconds"}
  {"type": "status", "message"}
Pause, resume and stop are flags checked between batches.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from mnist_gui import config
from mnist_gui.core.data import Mnist, MnistSplit, normalize
from mnist_gui.core.models import build_model
from mnist_gui.core.recipes import TrainConfig


@dataclass
class TrainResult:
    status: str                     # "finished", "stopped", "diverged"
    message: str
    model: nn.Module | None         # None when diverged: the caller's model stays as it was
    config: TrainConfig
    metrics: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    seconds: float = 0.0


class _Stopped(Exception):
    pass


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Small random affine (rotation, scale, shift, shear) and stroke thickness, on [0,1] images."""
    n = x.shape[0]
    u = lambda lo, hi: torch.rand(n, generator=gen) * (hi - lo) + lo  # noqa: E731
    rot = u(-10, 10) * math.pi / 180
    shear = u(-8, 8) * math.pi / 180
    scale = u(0.88, 1.1)
    sx = scale * u(0.93, 1.07)  # a little aspect change
    tx, ty = u(-0.15, 0.15), u(-0.15, 0.15)  # ±2 px
    cos, sin = torch.cos(rot), torch.sin(rot)
    # inverse map (output -> input coordinates): rotation · shear / scale
    a = torch.stack([torch.stack([cos / sx, (-sin + cos * torch.tan(shear)) / scale, tx], 1),
                     torch.stack([sin / sx, (cos + sin * torch.tan(shear)) / scale, ty], 1)], 1)
    grid = F.affine_grid(a, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    # stroke thickness: blend towards a dilated (thicker) or eroded (thinner) copy
    t = u(-0.35, 0.45).view(n, 1, 1, 1)
    thick = F.max_pool2d(x, 3, 1, 1)
    thin = -F.max_pool2d(-x, 3, 1, 1)
    x = torch.where(t > 0, x + t * (thick - x), x + (-t) * (thin - x))
    return x


@torch.no_grad()
def evaluate(model: nn.Module, split: MnistSplit, batch_size: int = 1000,
             progress: Callable[[int, int], None] | None = None) -> dict:
    """Loss, accuracy, per-class accuracy, confusion matrix and predictions on a split."""
    was = model.training
    model.eval()
    n = len(split)
    preds = torch.empty(n, dtype=torch.int64)
    probs_top = torch.empty(n)
    probs_all = torch.empty(n, 10)
    total_loss = 0.0
    for i in range(0, n, batch_size):
        x = normalize(split.images[i:i + batch_size])
        y = split.labels[i:i + batch_size]
        logits = model(x)
        total_loss += F.cross_entropy(logits, y, reduction="sum").item()
        p = logits.softmax(1)
        probs_all[i:i + len(y)] = p
        probs_top[i:i + len(y)], preds[i:i + len(y)] = p.max(1)
        if progress:
            progress(min(i + batch_size, n), n)
    model.train(was)
    labels = split.labels
    confusion = torch.zeros(10, 10, dtype=torch.int64)
    confusion.index_put_((labels, preds), torch.ones(n, dtype=torch.int64), accumulate=True)
    per_class = (confusion.diag().float() / confusion.sum(1).clamp(min=1).float()).tolist()
    return {"loss": total_loss / max(n, 1), "accuracy": (preds == labels).sum().item() / max(n, 1),
            "per_class": per_class, "confusion": confusion.tolist(), "predictions": preds,
            "confidence": probs_top, "probabilities": probs_all}


class Trainer:
    def __init__(self, cfg: TrainConfig, data: Mnist,
                 callback: Callable[[dict], None] | None = None,
                 init_state: dict | None = None,
                 extra_train: MnistSplit | None = None):
        cfg.validate()
        self.cfg = cfg
        self.data = data
        self.callback = callback or (lambda e: None)
        self.init_state = init_state
        self.extra_train = extra_train
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    # -- flags, safe to call from any thread
    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _check_stop(self, *_args) -> None:
        if self.stopped:
            raise _Stopped()

    def _emit(self, event: dict) -> None:
        self.callback(event)

    def _training_tensors(self, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        images, labels = self.data.train.images, self.data.train.labels
        if self.cfg.train_size is not None and self.cfg.train_size < len(labels):
            idx = torch.randperm(len(labels), generator=gen)[: self.cfg.train_size]
            images, labels = images[idx], labels[idx]
        if self.extra_train is not None and len(self.extra_train):
            images = torch.cat([images, self.extra_train.images])
            labels = torch.cat([labels, self.extra_train.labels])
        return images.to(torch.float32).div_(255.0).unsqueeze(1), labels

    def run(self) -> TrainResult:
        cfg = self.cfg
        t_start = time.perf_counter()
        torch.manual_seed(cfg.seed)
        gen = torch.Generator().manual_seed(cfg.seed)
        model = build_model(cfg.model_config())
        if self.init_state is not None:
            model.load_state_dict(copy.deepcopy(self.init_state))
        model = model.to(memory_format=torch.channels_last)
        model.train()

        x_all, y_all = self._training_tensors(gen)
        n = len(y_all)
        bs = min(cfg.batch_size, n)
        steps_per_epoch = max(1, n // bs)
        total_steps = cfg.max_steps or max(1, round(cfg.epochs * steps_per_epoch))
        n_epochs = math.ceil(total_steps / steps_per_epoch)

        params = [p for p in model.parameters()]
        decay = [p for p in params if p.ndim > 1]
        no_decay = [p for p in params if p.ndim <= 1]
        groups = [{"params": decay, "weight_decay": cfg.weight_decay},
                  {"params": no_decay, "weight_decay": 0.0}]
        if cfg.optimizer == "sgd":
            opt = torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.momentum > 0)
        elif cfg.optimizer == "adam":
            opt = torch.optim.Adam(groups, lr=cfg.lr)
        else:
            opt = torch.optim.AdamW(groups, lr=cfg.lr)
        if cfg.schedule == "onecycle":
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=total_steps,
                                                        pct_start=0.25, div_factor=10, final_div_factor=100)
        elif cfg.schedule == "cosine":
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
        else:
            sched = None

        history = {"step": [], "loss": [], "accuracy": [],
                   "epoch": [], "epoch_step": [], "test_loss": [], "test_accuracy": []}
        self._emit({"type": "start", "total_steps": total_steps, "train_size": n,
                    "epochs": n_epochs, "config": cfg.to_dict()})
        step = 0
        run_correct = 0.0
        train_seconds = 0.0
        metrics: dict = {}
        status, message = "finished", ""
        ema_rate = None
        for epoch in range(1, n_epochs + 1):
            perm = torch.randperm(n, generator=gen)
            for b in range(steps_per_epoch):
                if step >= total_steps:
                    break
                if not self._running.is_set():
                    self._emit({"type": "status", "message": "paused"})
                    self._running.wait()
                    if not self.stopped:
                        self._emit({"type": "status", "message": "resumed"})
                if self.stopped:
                    break
                t0 = time.perf_counter()
                idx = perm[b * bs:(b + 1) * bs]
                xb, yb = x_all[idx], y_all[idx]
                if cfg.augment:
                    xb = _augment(xb, gen)
                xb = xb.sub_(config.MNIST_MEAN).div_(config.MNIST_STD).contiguous(memory_format=torch.channels_last)
                logits = model(xb)
                loss = F.cross_entropy(logits, yb, label_smoothing=cfg.label_smoothing)
                if not torch.isfinite(loss):
                    msg = (f"diverged at step {step + 1}: loss is {loss.item()}; lower the learning rate")
                    self._emit({"type": "status", "message": msg})
                    return TrainResult("diverged", msg, None, cfg, metrics, history,
                                       time.perf_counter() - t_start)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                step += 1
                dt = time.perf_counter() - t0
                train_seconds += dt
                rate = bs / dt if dt > 0 else 0.0
                ema_rate = rate if ema_rate is None else 0.9 * ema_rate + 0.1 * rate
                correct = (logits.argmax(1) == yb).float().mean().item()
                run_correct = correct if step == 1 else 0.95 * run_correct + 0.05 * correct
                loss_v = loss.item()
                history["step"].append(step)
                history["loss"].append(loss_v)
                history["accuracy"].append(run_correct)
                self._emit({"type": "step", "step": step, "total_steps": total_steps, "epoch": epoch,
                            "loss": loss_v, "accuracy": run_correct, "images_per_s": ema_rate,
                            "eta_s": (total_steps - step) * bs / max(ema_rate, 1e-9),
                            "lr": opt.param_groups[0]["lr"], "train_seconds": train_seconds})
            if self.stopped:
                status, message = "stopped", f"stopped at step {step} of {total_steps}"
                break
            if cfg.eval_every_epoch or epoch == n_epochs:
                t_eval = time.perf_counter()
                try:
                    ev = evaluate(model, self.data.test, progress=self._check_stop)
                except _Stopped:
                    status, message = "stopped", f"stopped at step {step} of {total_steps}"
                    break
                metrics = {"test_loss": ev["loss"], "test_accuracy": ev["accuracy"],
                           "per_class": ev["per_class"], "confusion": ev["confusion"],
                           "steps": step, "train_seconds": train_seconds}
                history["epoch"].append(epoch)
                history["epoch_step"].append(step)
                history["test_loss"].append(ev["loss"])
                history["test_accuracy"].append(ev["accuracy"])
                self._emit({"type": "epoch", "epoch": epoch, "epochs": n_epochs, "step": step,
                            "test_loss": ev["loss"], "test_accuracy": ev["accuracy"],
                            "per_class": ev["per_class"], "train_seconds": train_seconds,
                            "eval_seconds": time.perf_counter() - t_eval})
        model.eval()
        model = model.to(memory_format=torch.contiguous_format)
        if status == "finished":
            message = (f"finished: test accuracy {metrics.get('test_accuracy', float('nan')):.2%} "
                       f"after {step} steps, {train_seconds:.1f} s of training")
        metrics.setdefault("steps", step)
        metrics["train_seconds"] = train_seconds
        return TrainResult(status, message, model, cfg, metrics, history,
                           time.perf_counter() - t_start)
