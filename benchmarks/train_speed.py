"""Training and evaluation speed on the CPU: float32 and bfloat16 side by side, against a plain loop, one process.

    MNIST_GUI_DATA=../shared/data/mnist python benchmarks/train_speed.py [--pairs 5 --steps 60] [--quick]

Training. The reference is the loop a careful person writes by hand: the tf-tutorial network, AdamW,
batch 128, channels-last, float32, the training images pre-normalised once as one float tensor in memory,
batches taken by indexing a random permutation, no events, no history. The Trainer runs the `fast`
recipe (the same network, AdamW, at batch 128 like the reference, plus its one-cycle schedule, history,
events and NaN guard) twice: precision fp32 and precision bf16 (bfloat16 autocast; float32 weights, loss
and optimizer step). The Trainer uses PyTorch's fused AdamW (one kernel for the whole update); the plain
loop uses AdamW's default, as a hand-written loop would; --unfused also times the Trainer without fusing.

They run interleaved in groups (reference, Trainer fp32, Trainer bf16; the two Trainer runs swap order
every other group) after one warm-up run of each, so a change in the machine's load hits all of them;
each run's images/s is its batch size over its median step time (wall clock from the end of one step to
the end of the next, after its 3rd step; the median because the machine is shared and another process's
burst of work should not decide), and the same by the process's CPU time. Printed: each group's rates and
ratios and their medians, the FLOPs of one training image, the achieved GFLOP/s and the machine's
nominal float32 and bfloat16 peaks (how each is computed is printed with it).

Evaluation. `evaluate` of the 10,000 test images as the app runs it (channels-last copy, batch 256) in
float32 and in bf16 (precision auto on a CPU with bfloat16), against the way it ran before (batch 1,000,
contiguous, float32), interleaved, median and fastest of --eval-reps (--eval-only: this part alone);
and how many test images bf16 evaluation reads
differently from float32 (shipped model and each trained model).

Without --quick it also trains the `fast` recipe to the end for --seeds in --recipe-precisions (0.75
epoch: the accuracy goal is a mean >= 99.0%, none below 98.9%) and measures single-image prediction
latency. The load average is printed with each part: the machine may be shared.
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
from mnist_gui.core.train import Trainer, evaluate  # noqa: E402

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


def trainer_rate(data, steps: int, fused: bool = True, precision: str = "fp32") -> tuple[float, float]:
    """The Trainer on the `fast` recipe at the reference's batch 128 and loss, in `precision`, timed the same
    way (wall clock at its events)."""
    cfg = replace(RECIPES["fast"].config, batch_size=128, label_smoothing=0.0, max_steps=steps,
                  eval_every_epoch=False, precision=precision)
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


@torch.no_grad()
def reference_evaluate(model, split) -> float:
    """How `evaluate` ran before: the model as it is (contiguous), batch 1,000, float32. Returns accuracy."""
    from mnist_gui import config
    model.eval()
    correct = 0
    for i in range(0, len(split), 1000):
        x = (split.images[i:i + 1000].unsqueeze(1).float() / 255 - config.MNIST_MEAN) / config.MNIST_STD
        logits = model(x)
        F.cross_entropy(logits, split.labels[i:i + 1000], reduction="sum")
        correct += (logits.softmax(1).argmax(1) == split.labels[i:i + 1000]).sum().item()
    return correct / len(split)


def timed(fn) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds, result) of fn()."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def eval_speed(model, split, reps: int) -> list[tuple]:
    """Rows (way, median wall s, median CPU s, wall ratio to the old way, fastest wall s, its ratio, accuracy),
    interleaved reps. The fastest of the reps is the one least disturbed by other processes."""
    ways = {"before: batch 1,000, contiguous, fp32": lambda: reference_evaluate(model, split),
            "evaluate, fp32 (channels-last, batch 256)": lambda: evaluate(model, split, precision="fp32")["accuracy"],
            "evaluate, bf16 (channels-last, batch 256)": lambda: evaluate(model, split, precision="bf16")["accuracy"]}
    for fn in ways.values():   # warm-up
        fn()
    got = {k: [] for k in ways}
    for _ in range(reps):
        for k, fn in ways.items():
            got[k].append(timed(fn))
    ref = statistics.median(w for w, _, _ in got[next(iter(ways))])
    ref_min = min(w for w, _, _ in got[next(iter(ways))])
    rows = []
    for k, runs in got.items():
        wall, fastest = statistics.median(w for w, _, _ in runs), min(w for w, _, _ in runs)
        rows.append((k, f"{wall:.2f} s", f"{statistics.median(c for _, c, _ in runs):.2f} s", f"{wall / ref:.2f}",
                     f"{fastest:.2f} s", f"{fastest / ref_min:.2f}", f"{runs[0][2]:.2%}"))
    return rows


def bf16_disagreement(model, split) -> tuple[int, int, int]:
    """(test images read right in fp32, in bf16, images whose predicted digit differs) for one model."""
    a = evaluate(model, split, precision="fp32")
    b = evaluate(model, split, precision="bf16")
    right = lambda e: int((e["predictions"] == split.labels).sum())  # noqa: E731
    return right(a), right(b), int((a["predictions"] != b["predictions"]).sum())


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f} (1, 5, 15 min)".format(*os.getloadavg())


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


def cpu_peak_gflops(threads: int) -> tuple[float | None, str, float | None, str]:
    """Nominal peaks, each with how it was found: float32 = cores × SIMD lanes × 2 FMA units × 2 FLOP per
    FMA × clock; bfloat16 = twice that with AVX-512 BF16 (one VDPBF16PS does 32 bf16 multiply-adds into 16
    float32 lanes, where VFMADD231PS does 16), cores × 1,024 FLOP per cycle × clock with AMX (one AMX-BF16
    tile unit per core), the float32 peak where neither (bf16 is emulated)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None, "no /proc/cpuinfo: peak unknown", None, ""
    m = re.search(r"^flags\s*:(.*)$", info, re.M)
    flags = set(m.group(1).split()) if m else set()
    if "avx512f" in flags:
        lanes, isa = 16, "AVX-512"
    elif "avx2" in flags and "fma" in flags:
        lanes, isa = 8, "AVX2+FMA"
    else:
        return None, "neither AVX-512 nor AVX2: peak unknown", None, ""
    m = re.search(r"^model name\s*:\s*(.+)$", info, re.M)
    at = re.search(r"@\s*([\d.]+)\s*GHz", m.group(1)) if m else None
    if at:
        ghz, src = float(at.group(1)), f"{at.group(1)} GHz from the model name"
    else:
        mhz = re.search(r"^cpu MHz\s*:\s*([\d.]+)", info, re.M)
        if not mhz:
            return None, "no clock in /proc/cpuinfo: peak unknown", None, ""
        ghz, src = float(mhz.group(1)) / 1000, f"{float(mhz.group(1)) / 1000:.2f} GHz from 'cpu MHz'"
    peak = threads * lanes * 2 * 2 * ghz
    how = (f"{threads} cores × {lanes} fp32 lanes ({isa}) × 2 FMA units × 2 × {src} "
           "(turbo may differ; vCPUs may be SMT siblings sharing FMA units)")
    if "amx_bf16" in flags:
        bf16, bf16_how = threads * 1024 * ghz, f"{threads} cores × 1,024 bf16 FLOP per cycle (AMX) × {src}"
    elif "avx512_bf16" in flags:
        bf16, bf16_how = 2 * peak, "2 × the fp32 peak (AVX-512 BF16: VDPBF16PS does 2 multiply-adds per fp32 lane)"
    else:
        bf16, bf16_how = peak, "no bf16 instructions: the fp32 peak (bf16 is emulated)"
    return peak, how, bf16, bf16_how


def prediction_latency(n: int = 300) -> dict:
    from mnist_gui import config
    from mnist_gui.core.checkpoint import load_checkpoint
    from mnist_gui.core.predictor import Predictor
    from mnist_gui.core.preprocess import strokes_to_mnist
    from mnist_gui.core.reading import Reader, ReadingModels
    pred = Predictor(load_checkpoint(config.SHIPPED_MODEL).model)
    reader = Reader(pred, ReadingModels(gate=None, path_gate=None, templates=None))   # the image and the path net, as before the gates
    strokes = [[(10 + i, 10 + (i * 7) % 90) for i in range(0, 90, 3)], [(20, 50), (70, 50)]]
    img = strokes_to_mnist(strokes)
    out = {}
    threads_before = torch.get_num_threads()
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for name, fn in (("model", lambda: pred.probabilities(img)),
                         ("strokes+model", lambda: reader.read_strokes(strokes))):
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
    ap.add_argument("--pairs", type=int, default=5, help="interleaved (reference, Trainer fp32, Trainer bf16) groups")
    ap.add_argument("--steps", type=int, default=60, help="steps per run")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--eval-reps", type=int, default=3, help="interleaved timings of each way to evaluate")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds of the full fast-recipe runs")
    ap.add_argument("--recipe-precisions", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"],
                    help="precisions of the full fast-recipe runs")
    ap.add_argument("--quick", action="store_true", help="speed only: no full recipes, no latency")
    ap.add_argument("--eval-only", action="store_true", help="only the evaluation timings and agreement")
    ap.add_argument("--unfused", action="store_true",
                    help="also time the Trainer with PyTorch's default (unfused) optimizer, as the plain loop has")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = load_mnist(download=False)
    from mnist_gui.core.device import bf16_native
    print(f"machine: {available_devices()[-1].name}; torch {torch.__version__}; "
          f"native bf16 (core/device.py): {bf16_native(torch.device('cpu'))}; command: {' '.join(sys.argv)}",
          flush=True)
    print(load(), flush=True)

    if args.eval_only:
        return evaluation_part(data, args.eval_reps, [])
    x_ref = normalize(data.train.images).contiguous(memory_format=torch.channels_last)
    y_ref = data.train.labels
    plain_loop(x_ref, y_ref, 10)            # warm-up, not counted
    trainer_rate(data, 10)
    trainer_rate(data, 10, precision="bf16")
    rows, cols = [], {}
    for p in range(1, args.pairs + 1):
        ref = plain_loop(x_ref, y_ref, args.steps, seed=p)
        order = ("fp32", "bf16") if p % 2 else ("bf16", "fp32")
        runs = {prec: trainer_rate(data, args.steps, precision=prec) for prec in order}
        if args.unfused:
            runs["unfused"] = trainer_rate(data, args.steps, fused=False)
        row = {"plain, images/s": ref[0]}
        for name in ("fp32", "bf16", "unfused"):
            if name in runs:
                row[f"{name}, images/s"] = runs[name][0]
                row[f"{name} / plain"] = runs[name][0] / ref[0]
        row["bf16 / fp32"] = runs["bf16"][0] / runs["fp32"][0]
        row["bf16 / fp32, CPU time"] = runs["bf16"][1] / runs["fp32"][1]
        for k, v in row.items():
            cols.setdefault(k, []).append(v)
        rows.append((str(p), *(f"{v:,.0f}" if "images/s" in k else f"{v:.3f}" for k, v in row.items())))
        print("group " + "  ".join(rows[-1]), flush=True)
    rows.append(("median", *(f"{statistics.median(v):,.0f}" if "images/s" in k else f"{statistics.median(v):.3f}"
                             for k, v in cols.items())))
    print()
    print(table(rows, ("group", *cols)))
    print(load(), flush=True)

    counted, fwd = flops_per_image()
    peak, how, peak16, how16 = cpu_peak_gflops(args.threads)
    fp32 = statistics.median(cols["fp32, images/s"]) * counted / 1e9
    bf16 = statistics.median(cols["bf16, images/s"]) * counted / 1e9
    print()
    print(table([("forward FLOPs per image (layer shapes: 2 × multiply-adds)", f"{fwd / 1e6:.1f} M"),
                 ("forward+backward FLOPs per image (FlopCounterMode)", f"{counted / 1e6:.1f} M"),
                 ("achieved by the Trainer, fp32 (median images/s × FLOPs)", f"{fp32:.0f} GFLOP/s"),
                 ("nominal FP32 peak", f"{peak:.0f} GFLOP/s" if peak else "unknown"),
                 ("share of the FP32 peak, fp32", f"{fp32 / peak:.0%}" if peak else ""),
                 ("achieved by the Trainer, bf16", f"{bf16:.0f} GFLOP/s"),
                 ("nominal BF16 peak", f"{peak16:.0f} GFLOP/s" if peak16 else "unknown"),
                 ("share of the BF16 peak, bf16", f"{bf16 / peak16:.0%}" if peak16 else "")],
                ("quantity", "value")))
    print(f"fp32 peak: {how}")
    print(f"bf16 peak: {how16}")

    agree = []
    if not args.quick:
        print()
        rows = []
        for name, prec, seed in [("fast", prec, seed) for seed in args.seeds for prec in args.recipe_precisions]:
            r = Trainer(replace(RECIPES[name].config, precision=prec, seed=seed), data, device="cpu").run()
            rows.append((name, r.precision, seed, f"{r.metrics['steps'] * r.config.batch_size:,}",
                         f"{r.metrics['test_accuracy']:.2%}", f"{r.metrics['train_seconds']:.1f} s"))
            agree.append((f"{name}, {r.precision}, seed {seed}", *bf16_disagreement(r.model, data.test)))
            print(f"recipe {rows[-1]}; {load()}", flush=True)
        print(table(rows, ("recipe", "precision", "seed", "images", "test accuracy", "training time")))
        for prec in args.recipe_precisions:
            accs = [float(r[4].rstrip("%")) for r in rows if r[0] == "fast" and r[1] == prec]
            print(f"fast, {prec}: mean {statistics.mean(accs):.2f}%, min {min(accs):.2f}% over seeds {args.seeds} "
                  f"(goal: mean >= 99.0%, none below 98.9%)")
        print()
        print(table(list(prediction_latency().items()), ("single-image prediction", "latency")))
    return evaluation_part(data, args.eval_reps, agree)


def evaluation_part(data, reps: int, agree: list[tuple]) -> int:
    """Evaluation timings (shipped model) and how bf16 evaluation agrees with fp32 for the shipped model
    and the models in `agree` (rows already measured)."""
    from mnist_gui import config
    from mnist_gui.core.checkpoint import load_checkpoint
    shipped = load_checkpoint(config.SHIPPED_MODEL).model
    print()
    print(table(eval_speed(shipped, data.test, reps),
                ("evaluating the 10,000 test images (shipped model)", "wall", "CPU", "/ before",
                 "fastest", "/ before", "accuracy")))
    print(load(), flush=True)
    print()
    print(table([("shipped model", *bf16_disagreement(shipped, data.test)), *agree],
                ("model", "right in fp32 eval", "right in bf16 eval", "predictions that differ")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
