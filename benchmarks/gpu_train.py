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


def plain_graph_loop(cfg, data, dev) -> dict:
    """The same network and schedule as the Trainer's run of cfg, trained by a plain loop with the whole step
    captured as one CUDA graph (capturable AdamW, the batches' indices and the schedule on the device), then
    evaluated by core's evaluate: the floor the Trainer's graph mode is compared with. Timed from the model's
    creation to the evaluation's end, the device synchronised."""
    import torch.nn.functional as F

    from mnist_gui.core.models import build_model
    synchronize(dev)
    t0 = time.perf_counter()
    probe = Trainer(cfg, data, device=dev)
    probe._set_up()             # the Trainer's data on the device, batch size, steps and schedule tables
    x_all, y_all, bs, total = probe.x_all, probe.y_all, probe.batch_size, probe.total_steps
    lrs, beta1s = probe.schedule_values()
    torch.manual_seed(cfg.seed)
    model = build_model(cfg.model_config()).to(dev, memory_format=torch.channels_last).train()
    lr_tab = torch.tensor(lrs, device=dev)
    b1_tab = torch.tensor(beta1s, device=dev)
    lr, b1, k = lr_tab[0].clone(), b1_tab[0].clone(), torch.zeros(1, dtype=torch.int64, device=dev)
    params = list(model.parameters())
    opt = torch.optim.AdamW([{"params": [p for p in params if p.ndim > 1], "weight_decay": cfg.weight_decay},
                             {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0}],
                            lr=lr, betas=(b1, torch.tensor(0.999, device=dev)), capturable=True, foreach=True)
    steps_per_epoch = max(1, len(y_all) // bs)
    perms = torch.cat([torch.randperm(len(y_all), device=dev)[: steps_per_epoch * bs]
                       for _ in range(-(-total // steps_per_epoch))])
    idx = torch.zeros(bs, dtype=torch.int64, device=dev)
    ac = torch.autocast("cuda", dtype=torch.bfloat16, enabled=probe.precision == "bf16")

    def body():
        torch.index_select(lr_tab, 0, k, out=lr.view(1))
        torch.index_select(b1_tab, 0, k, out=b1.view(1))
        xb = x_all.index_select(0, idx).contiguous(memory_format=torch.channels_last)
        with ac:
            out = model(xb)
        loss = F.cross_entropy(out.float(), y_all.index_select(0, idx), label_smoothing=cfg.label_smoothing)
        loss.backward()
        opt.step()
        k.add_(1)
        return loss

    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for i in range(3):
            idx.copy_(perms[i * bs:(i + 1) * bs])
            opt.zero_grad(set_to_none=True)
            body()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)
    with torch.cuda.graph(graph):
        body()
    for i in range(3, total):
        idx.copy_(perms[i * bs:(i + 1) * bs])
        graph.replay()
    synchronize(dev)
    train_s = time.perf_counter() - t0
    acc = train_mod.evaluate(model.eval(), data.test, precision=cfg.precision)["accuracy"]
    synchronize(dev)
    return {"test_accuracy": acc, "train_seconds": train_s, "wall_seconds": time.perf_counter() - t0,
            "steps": total}


def compare_graphs(dev, data, seeds, max_steps=None) -> int:
    """The fast recipe: the first run in this process (its warm-up), then per seed the Trainer with the
    step as a CUDA graph, the Trainer eager, and the plain CUDA-graph loop."""
    import os
    base = RECIPES["fast"].config
    if max_steps:
        base = replace(base, max_steps=max_steps)
    t0 = time.perf_counter()
    first = timed_run(replace(base, seed=seeds[0]), data, dev)
    print(f"first run in the process (graph mode, with CUDA's warm-up): {time.perf_counter() - t0:.2f} s wall, "
          f"{first['test_accuracy']:.2%}", flush=True)
    for seed in seeds:
        cfg = replace(base, seed=seed)
        for mode in ("1", "0"):
            os.environ["MNIST_GUI_CUDA_GRAPHS"] = mode
            synchronize(dev)
            t = time.perf_counter()
            r = Trainer(cfg, data, device=dev).run()
            synchronize(dev)
            print(f"fast seed {seed} Trainer {r.metrics.get('step_mode')}: {r.metrics.get('test_accuracy'):.2%}, "
                  f"training {r.metrics['train_seconds']:.2f} s, training + evaluation "
                  f"{time.perf_counter() - t:.2f} s wall ({r.metrics.get('step_mode_why')})", flush=True)
        os.environ.pop("MNIST_GUI_CUDA_GRAPHS", None)
        p = plain_graph_loop(cfg, data, dev)
        print(f"fast seed {seed} plain CUDA-graph loop: {p['test_accuracy']:.2%}, training "
              f"{p['train_seconds']:.2f} s, training + evaluation {p['wall_seconds']:.2f} s wall", flush=True)
    return 0


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
    ap.add_argument("--compare-graphs", action="store_true",
                    help="fast recipe only: Trainer with CUDA graphs vs eager vs a plain CUDA-graph loop, per seed")
    args = ap.parse_args()

    try:
        dev = resolve_device(args.device)
    except ValueError as e:
        print(f"gpu_train: error: {e}", file=sys.stderr)
        return 2
    data = load_mnist(download=False)
    if args.compare_graphs:
        print(f"device: {dev} = {device_name(dev)}; torch {torch.__version__}", flush=True)
        return compare_graphs(dev, data, args.seeds, args.max_steps)
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
