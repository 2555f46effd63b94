"""Training on an accelerator: the `fast` and `fast-bn` recipes to ≥ 99.0% MNIST test accuracy, timed.

    MNIST_GUI_DATA=/path/to/mnist python benchmarks/gpu_train.py                  # CUDA (or --device cuda:1, mps)
    MNIST_GUI_DATA=/path/to/mnist python benchmarks/gpu_train.py --device cpu --max-steps 20   # smoke test

For each recipe:
  1. a warm-up run (short, with an evaluation), not timed: it pays for CUDA initialisation, cuDNN's
     autotuning (cudnn.benchmark) and the one copy of MNIST to the device, which the timed runs reuse;
  2. timed runs (one per --seeds value): wall clock of Trainer.run() — training and the final evaluation
     on the test set — with the device synchronised before and after; the Trainer's own training time;
     images/s of training; test accuracy against the 99.0% target;
  3. one more run under torch.profiler: the sum of the device's kernel times over that run's wall time,
     i.e. the share of time the device computes; the rest is launch and host overhead (the profiler's own
     cost inflates the wall time a little, so this share is a lower bound).

Needs only torch, torchvision and numpy (what mnist-gui needs). --compile compiles the model
(torch.compile; off by default: it pays only if it beats the compile time, which the warm-up run shows).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mnist_gui.core import train as train_mod  # noqa: E402
from mnist_gui.core.data import load_mnist  # noqa: E402
from mnist_gui.core.device import device_name, resolve_device  # noqa: E402
from mnist_gui.core.recipes import RECIPES  # noqa: E402
from mnist_gui.core.train import Trainer  # noqa: E402

TARGET = 0.99


def synchronize(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    elif dev.type == "mps":
        torch.mps.synchronize()


def use_compile(mode: str) -> None:
    """Make the Trainer build compiled models (in place, so state_dict keys and checkpoints are unchanged)."""
    original = train_mod.build_model

    def build(cfg):
        m = original(cfg)
        m.compile(mode=mode)
        return m
    train_mod.build_model = build


def timed_run(cfg, data, dev) -> dict:
    synchronize(dev)
    t0 = time.perf_counter()
    r = Trainer(cfg, data, device=dev).run()
    synchronize(dev)
    wall = time.perf_counter() - t0
    steps = r.metrics["steps"]
    return {"seed": cfg.seed, "status": r.status, "steps": steps, "images": steps * cfg.batch_size,
            "test_accuracy": r.metrics.get("test_accuracy"), "train_seconds": r.metrics["train_seconds"],
            "wall_seconds": wall, "images_per_s": steps * cfg.batch_size / max(r.metrics["train_seconds"], 1e-9)}


def kernel_share(cfg, data, dev) -> tuple[float | None, float]:
    """(sum of device kernel time / wall time, wall seconds) of one run under torch.profiler."""
    from torch.profiler import ProfilerActivity, profile
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == "cuda" else [])
    synchronize(dev)
    with profile(activities=acts) as prof:
        t0 = time.perf_counter()
        Trainer(cfg, data, device=dev).run()
        synchronize(dev)
        wall = time.perf_counter() - t0
    if dev.type != "cuda":
        return None, wall
    # As the profiler's own table totals it: the device-side events (kernels, copies), user annotations left out;
    # the CPU operators that launched them are not counted again.
    from torch.autograd import DeviceType
    kernel_us = sum(e.self_device_time_total for e in prof.events()
                    if e.device_type == DeviceType.CUDA and not getattr(e, "is_user_annotation", False))
    return kernel_us / 1e6 / wall, wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda", help="cuda, cuda:N, mps, cpu, auto (default: cuda)")
    ap.add_argument("--recipes", nargs="+", default=["fast", "fast-bn"], choices=list(RECIPES))
    ap.add_argument("--seeds", nargs="+", type=int, default=[0], help="one timed run per seed")
    ap.add_argument("--max-steps", type=int, help="cut every run short (smoke test)")
    ap.add_argument("--warmup-steps", type=int, default=30)
    ap.add_argument("--no-bf16", action="store_true", help="float32 (TF32) instead of bf16 autocast on CUDA")
    ap.add_argument("--no-profile", action="store_true", help="skip the profiled run")
    ap.add_argument("--compile", action="store_true", help="torch.compile the model (off by default)")
    ap.add_argument("--compile-mode", default="default", help="torch.compile mode, e.g. reduce-overhead (CUDA graphs)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args()

    try:
        dev = resolve_device(args.device)
    except ValueError as e:
        print(f"gpu_train: error: {e}", file=sys.stderr)
        return 2
    data = load_mnist(download=False)
    precision = "fp32" if args.no_bf16 else "auto"   # auto: bf16 where the device has it (core/device.py)
    if args.compile:
        use_compile(args.compile_mode)
    probe = Trainer(replace(RECIPES["fast"].config, precision=precision), data, device=dev)
    print(f"device: {dev} = {device_name(dev)}; torch {torch.__version__}"
          f"{f', CUDA {torch.version.cuda}' if dev.type == 'cuda' else ''}; "
          f"bf16 autocast: {'on' if probe.precision == 'bf16' else 'off'}; TF32: {'on' if dev.type == 'cuda' else 'n/a'}; "
          f"compile: {args.compile_mode if args.compile else 'off'}", flush=True)
    print(f"command: {' '.join(sys.argv)}", flush=True)

    results = []
    for name in args.recipes:
        base = replace(RECIPES[name].config, precision=precision)
        if args.max_steps:
            base = replace(base, max_steps=args.max_steps)
        t0 = time.perf_counter()
        Trainer(replace(base, max_steps=args.warmup_steps), data, device=dev).run()
        synchronize(dev)
        warm = time.perf_counter() - t0
        print(f"{name}: warm-up run ({args.warmup_steps} steps + evaluation) {warm:.1f} s, not counted", flush=True)
        runs = []
        for seed in args.seeds:
            runs.append(timed_run(replace(base, seed=seed), data, dev))
            r = runs[-1]
            print(f"{name} seed {seed}: {r['test_accuracy']:.2%} after {r['images']:,} images; "
                  f"training {r['train_seconds']:.2f} s ({r['images_per_s']:,.0f} images/s); "
                  f"training + evaluation {r['wall_seconds']:.2f} s wall", flush=True)
        share, prof_wall = (None, None) if args.no_profile else kernel_share(replace(base, seed=args.seeds[0]),
                                                                             data, dev)
        accs = [r["test_accuracy"] for r in runs]
        results.append({"recipe": name, "warmup_seconds": warm, "runs": runs,
                        "mean_accuracy": statistics.mean(accs), "min_accuracy": min(accs),
                        "median_wall_seconds": statistics.median(r["wall_seconds"] for r in runs),
                        "median_images_per_s": statistics.median(r["images_per_s"] for r in runs),
                        "kernel_share": share, "profiled_wall_seconds": prof_wall})

    print()
    head = ("recipe", "images", "test acc (mean/min)", "≥ 99.0%", "train+eval wall", "images/s",
            "in kernels", "outside kernels")
    rows = []
    for r in results:
        share = r["kernel_share"]
        rows.append((r["recipe"], f"{r['runs'][0]['images']:,}", f"{r['mean_accuracy']:.2%} / {r['min_accuracy']:.2%}",
                     "met" if r["mean_accuracy"] >= TARGET else "NOT met", f"{r['median_wall_seconds']:.2f} s",
                     f"{r['median_images_per_s']:,.0f}", "n/a" if share is None else f"{share:.0%}",
                     "n/a" if share is None else f"{1 - share:.0%}"))
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    for i, row in enumerate([head, *rows]):
        print("  ".join(str(c).ljust(w[j]) for j, c in enumerate(row)))
        if i == 0:
            print("  ".join("-" * x for x in w))
    if args.json:
        Path(args.json).write_text(json.dumps({"device": str(dev), "name": device_name(dev), "results": results},
                                              indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
