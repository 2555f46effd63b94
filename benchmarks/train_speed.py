"""Training speed on the CPU: mnist-gui's Trainer against a plain in-memory PyTorch loop, same process.

    MNIST_GUI_DATA=../shared/data/mnist python benchmarks/train_speed.py [--pairs 5 --steps 60] [--quick]

The reference is the loop a careful person writes by hand: the tf-tutorial network, AdamW, batch 128,
channels-last, the training images pre-normalised once as one float tensor in memory, batches taken by
indexing a random permutation, no events, no history. The Trainer runs the `fast` recipe (the same
network, AdamW, at batch 128 like the reference, plus its one-cycle schedule, history, events and NaN
guard). The Trainer uses PyTorch's fused AdamW (one kernel for the whole update); the plain loop uses
AdamW's default, as a hand-written loop would; --unfused also times the Trainer without fusing.

They run interleaved in pairs (reference, Trainer, reference, Trainer, ...) after one warm-up run of
each, so a change in the machine's load hits both; each run's images/s is its batch size over its median
step time (wall clock from the end of one step to the end of the next, after its 3rd step; the median
because the machine is shared and another process's burst of work should not decide). Printed: each pair's ratio and their median, the FLOPs of one training
image, the achieved GFLOP/s and the machine's nominal FP32 peak. Without --quick it also trains the
`fast` and `fast-bn` recipes to the end and measures single-image prediction latency.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mnist_gui.core.data import load_mnist, normalize  # noqa: E402
from mnist_gui.core.device import available_devices  # noqa: E402
from mnist_gui.core.events import Progressed  # noqa: E402
from mnist_gui.core.models import ModelConfig, build_model  # noqa: E402
from mnist_gui.core.recipes import RECIPES  # noqa: E402
from mnist_gui.core.train import Trainer  # noqa: E402

TIMED_FROM = 3  # steps before the clock starts in each run


def plain_loop(x: torch.Tensor, y: torch.Tensor, steps: int, bs: int = 128, seed: int = 0) -> float:
    """The reference: a plain loop over pre-normalised in-memory tensors. Returns images/s."""
    torch.manual_seed(seed)
    model = build_model(ModelConfig("tf-tutorial")).to(memory_format=torch.channels_last).train()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    perm = torch.randperm(len(y))
    t_at = []
    for i in range(steps):
        idx = perm[i * bs:(i + 1) * bs]
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        t_at.append((time.perf_counter(), time.process_time()))
    return rate(t_at, bs)


def rate(t_at: list[tuple[float, float]], bs: int) -> tuple[float, float]:
    """(images per second of wall clock, images per second of the process's CPU time) from the (wall, CPU)
    clocks at the end of each step: the batch over the median step time after the first few steps.
    The median, not the mean, and CPU time beside wall time: the machine is shared, and another process's
    burst of work should not decide."""
    def per(i):
        return bs / statistics.median(b[i] - a[i] for a, b in zip(t_at[TIMED_FROM - 1:], t_at[TIMED_FROM:]))
    return per(0), per(1)


def trainer_rate(data, steps: int, fused: bool = True) -> float:
    """The Trainer on the `fast` recipe at the reference's batch 128 and loss, timed the same way (wall clock
    at its events)."""
    cfg = replace(RECIPES["fast"].config, batch_size=128, label_smoothing=0.0, max_steps=steps,
                  eval_every_epoch=False)
    t_at: list[tuple[float, float]] = []
    trainer = None

    def cb(e):
        if isinstance(e, Progressed):
            t_at.append((time.perf_counter(), time.process_time()))
            if e.step == steps:
                trainer.stop()  # no final evaluation: it is not part of the per-step speed
    trainer = Trainer(cfg, data, cb, device="cpu", progress_interval_s=0)   # one event per step
    trainer.fused_optimizer = fused
    trainer.run()
    return rate(t_at, cfg.batch_size)


def flops_per_image(bs: int = 128) -> tuple[float, float]:
    """(FLOPs of forward+backward per image counted by FlopCounterMode, forward FLOPs from layer shapes)."""
    from torch.utils.flop_counter import FlopCounterMode
    model = build_model(ModelConfig("tf-tutorial")).train()
    x = torch.randn(bs, 1, 28, 28)
    with FlopCounterMode(display=False) as fc:
        F.cross_entropy(model(x), torch.zeros(bs, dtype=torch.int64)).backward()
    macs = 0
    h = 28
    for m in model:
        if isinstance(m, torch.nn.Conv2d):
            macs += h * h * m.out_channels * m.in_channels * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, torch.nn.MaxPool2d):
            h //= 2
        elif isinstance(m, torch.nn.Linear):
            macs += m.in_features * m.out_features
    return fc.get_total_flops() / bs, 2.0 * macs


def cpu_peak_gflops(threads: int) -> tuple[float | None, str]:
    """Nominal FP32 peak = cores × SIMD lanes × 2 FMA units × 2 FLOP per FMA × clock, and how it was found."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None, "no /proc/cpuinfo: peak unknown"
    m = re.search(r"^flags\s*:(.*)$", info, re.M)
    flags = set(m.group(1).split()) if m else set()
    if "avx512f" in flags:
        lanes, isa = 16, "AVX-512"
    elif "avx2" in flags and "fma" in flags:
        lanes, isa = 8, "AVX2+FMA"
    else:
        return None, "neither AVX-512 nor AVX2: peak unknown"
    m = re.search(r"^model name\s*:\s*(.+)$", info, re.M)
    at = re.search(r"@\s*([\d.]+)\s*GHz", m.group(1)) if m else None
    if at:
        ghz, src = float(at.group(1)), f"{at.group(1)} GHz from the model name"
    else:
        mhz = re.search(r"^cpu MHz\s*:\s*([\d.]+)", info, re.M)
        if not mhz:
            return None, "no clock in /proc/cpuinfo: peak unknown"
        ghz, src = float(mhz.group(1)) / 1000, f"{float(mhz.group(1)) / 1000:.2f} GHz from 'cpu MHz'"
    peak = threads * lanes * 2 * 2 * ghz
    return peak, (f"{threads} cores × {lanes} fp32 lanes ({isa}) × 2 FMA units × 2 × {src} "
                  "(turbo may differ; vCPUs may be SMT siblings sharing FMA units)")


def prediction_latency(n: int = 300) -> dict:
    from mnist_gui import config
    from mnist_gui.core.checkpoint import load_checkpoint
    from mnist_gui.core.predictor import Predictor
    from mnist_gui.core.preprocess import strokes_to_mnist
    pred = Predictor(load_checkpoint(config.SHIPPED_MODEL).model)
    strokes = [[(10 + i, 10 + (i * 7) % 90) for i in range(0, 90, 3)], [(20, 50), (70, 50)]]
    img = strokes_to_mnist(strokes)
    out = {}
    threads_before = torch.get_num_threads()
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
            out[f"{name}, {threads} thread(s)"] = f"p50 {ts[n // 2]:.2f} ms, p95 {ts[int(n * .95)]:.2f} ms"
    torch.set_num_threads(threads_before)
    return out


def table(rows: list[tuple], head: tuple) -> str:
    rows = [tuple(str(c) for c in r) for r in [head, *rows]]
    w = [max(len(r[i]) for r in rows) for i in range(len(head))]
    line = lambda r: "  ".join(c.rjust(w[i]) if i else c.ljust(w[i]) for i, c in enumerate(r))  # noqa: E731
    return "\n".join([line(rows[0]), "  ".join("-" * x for x in w), *map(line, rows[1:])])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=5, help="interleaved (reference, Trainer) pairs")
    ap.add_argument("--steps", type=int, default=60, help="steps per run")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--quick", action="store_true", help="speed only: no full recipes, no latency")
    ap.add_argument("--unfused", action="store_true",
                    help="also time the Trainer with PyTorch's default (unfused) optimizer, as the plain loop has")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = load_mnist(download=False)
    print(f"machine: {available_devices()[-1].name}; torch {torch.__version__}; "
          f"command: {' '.join(sys.argv)}", flush=True)

    x_ref = normalize(data.train.images).contiguous(memory_format=torch.channels_last)
    y_ref = data.train.labels
    plain_loop(x_ref, y_ref, 10)            # warm-up, not counted
    trainer_rate(data, 10)
    rows, cols = [], {}
    for p in range(1, args.pairs + 1):
        ref = plain_loop(x_ref, y_ref, args.steps, seed=p)
        runs = {"Trainer": trainer_rate(data, args.steps)}
        if args.unfused:
            runs["unfused"] = trainer_rate(data, args.steps, fused=False)
        row = {"plain, images/s": ref[0]}
        for name, r in runs.items():
            row[f"{name}, images/s"] = r[0]
            row[f"{name} / plain"] = r[0] / ref[0]
            row[f"{name} / plain, CPU time"] = r[1] / ref[1]
        for k, v in row.items():
            cols.setdefault(k, []).append(v)
        rows.append((str(p), *(f"{v:,.0f}" if "images/s" in k else f"{v:.3f}" for k, v in row.items())))
        print("pair " + "  ".join(rows[-1]), flush=True)
    rows.append(("median", *(f"{statistics.median(v):,.0f}" if "images/s" in k else f"{statistics.median(v):.3f}"
                             for k, v in cols.items())))
    rates = cols["Trainer, images/s"]
    print()
    print(table(rows, ("pair", *cols)))

    counted, fwd = flops_per_image()
    peak, how = cpu_peak_gflops(args.threads)
    achieved = statistics.median(rates) * counted / 1e9
    print()
    print(table([("forward FLOPs per image (layer shapes: 2 × multiply-adds)", f"{fwd / 1e6:.1f} M"),
                 ("forward+backward FLOPs per image (FlopCounterMode)", f"{counted / 1e6:.1f} M"),
                 ("achieved by the Trainer (median images/s × FLOPs)", f"{achieved:.0f} GFLOP/s"),
                 ("nominal FP32 peak", f"{peak:.0f} GFLOP/s" if peak else "unknown"),
                 ("share of peak", f"{achieved / peak:.0%}" if peak else "")],
                ("quantity", "value")))
    print(f"peak: {how}")

    if not args.quick:
        print()
        rows = []
        for name in ("fast", "fast-bn"):
            r = Trainer(RECIPES[name].config, data, device="cpu").run()
            rows.append((name, r.metrics["steps"], f"{r.metrics['steps'] * r.config.batch_size:,}",
                         f"{r.metrics['test_accuracy']:.2%}", f"{r.metrics['train_seconds']:.1f} s"))
            print(f"recipe {name}: {rows[-1]}", flush=True)
        print(table(rows, ("recipe", "steps", "images", "test accuracy", "training time")))
        print()
        print(table(list(prediction_latency().items()), ("single-image prediction", "latency")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
