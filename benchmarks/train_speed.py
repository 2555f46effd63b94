"""Training speed and accuracy on this machine, with a plain PyTorch reference loop in the same run.

    MNIST_GUI_DATA=../shared/data/mnist python benchmarks/train_speed.py [--quick]

Prints, side by side:
  * images/s of a plain reference loop (torchvision datasets.MNIST + DataLoader, same tf-tutorial
    network, Adam, batch 128) and of mnist-gui's Trainer (in-memory tensors), and their ratio;
  * the default recipe on tf-tutorial: test accuracy and seconds of training;
  * the fast-bn one-epoch recipe: test accuracy and seconds of training;
  * single-image prediction latency (shipped model, preprocessing excluded and included).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mnist_gui.core.data import load_mnist  # noqa: E402
from mnist_gui.core.models import ModelConfig, build_model  # noqa: E402
from mnist_gui.core.recipes import RECIPES  # noqa: E402
from mnist_gui.core.train import Trainer  # noqa: E402


def reference_loop(folder: Path, steps: int, bs: int = 128) -> float:
    """Plain PyTorch: torchvision's MNIST dataset through a DataLoader. Returns images/s."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms
    tmp = Path(tempfile.mkdtemp())
    raw = tmp / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in folder.iterdir():
        if f.name.endswith(".gz"):
            with gzip.open(f) as src, open(raw / f.name[:-3], "wb") as dst:
                shutil.copyfileobj(src, dst)
        elif "ubyte" in f.name:
            shutil.copy(f, raw / f.name)
    ds = datasets.MNIST(str(tmp), train=True, download=False,
                        transform=transforms.Compose([transforms.ToTensor(),
                                                      transforms.Normalize((0.1307,), (0.3081,))]))
    loader = DataLoader(ds, batch_size=bs, shuffle=True)
    torch.manual_seed(0)
    model = build_model(ModelConfig("tf-tutorial")).train()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    it = iter(loader)
    seen, t0 = 0, None
    for i in range(steps + 5):
        if i == 5:
            seen, t0 = 0, time.perf_counter()
        x, y = next(it)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seen += len(y)
    shutil.rmtree(tmp, ignore_errors=True)
    return seen / (time.perf_counter() - t0)


def trainer_rate(data, steps: int) -> float:
    from dataclasses import replace
    cfg = replace(RECIPES["fast"].config, max_steps=steps + 5, eval_every_epoch=False)
    t_at = {}

    def cb(e):
        if e["type"] == "step":
            t_at[e["step"]] = e["train_seconds"]
    Trainer(cfg, data, cb).run()
    return (steps * cfg.batch_size) / (t_at[steps + 5] - t_at[5])


def prediction_latency(n: int = 300) -> dict:
    from mnist_gui import config
    from mnist_gui.core.checkpoint import load_checkpoint
    from mnist_gui.core.predictor import Predictor
    from mnist_gui.core.preprocess import strokes_to_mnist
    pred = Predictor(load_checkpoint(config.SHIPPED_MODEL).model)
    strokes = [[(10 + i, 10 + (i * 7) % 90) for i in range(0, 90, 3)], [(20, 50), (70, 50)]]
    img = strokes_to_mnist(strokes)
    out = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for name, fn in (("model", lambda: pred.probabilities(img)),
                         ("strokes+model", lambda: pred.predict_strokes(strokes))):
            for _ in range(20):
                fn()
            ts = []
            for _ in range(n):
                t = time.perf_counter()
                fn()
                ts.append((time.perf_counter() - t) * 1000)
            ts.sort()
            out[f"{name}, {threads} thread(s)"] = {"p50_ms": round(ts[n // 2], 3), "p95_ms": round(ts[int(n * .95)], 3)}
    torch.set_num_threads(os.cpu_count() or 1)
    return out


def run_recipe(name: str, data) -> dict:
    r = Trainer(RECIPES[name].config, data).run()
    return {"recipe": name, "preset": r.config.preset, "test_accuracy": round(r.metrics["test_accuracy"], 4),
            "train_seconds": round(r.metrics["train_seconds"], 1), "steps": r.metrics["steps"]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="speed only, no full recipes")
    ap.add_argument("--steps", type=int, default=100)
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    data = load_mnist(download=False)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    results = {}
    ref = reference_loop(data.folder, args.steps)
    ours = trainer_rate(data, args.steps)
    results["images_per_s"] = {"reference (torchvision MNIST + DataLoader)": round(ref),
                               "mnist-gui Trainer": round(ours), "ratio": round(ours / ref, 2)}
    print(json.dumps(results["images_per_s"]), flush=True)
    results["prediction_latency"] = prediction_latency()
    print(json.dumps(results["prediction_latency"]), flush=True)
    if not args.quick:
        for name in ("fast", "fast-bn"):
            r = run_recipe(name, data)
            results.setdefault("recipes", []).append(r)
            print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
