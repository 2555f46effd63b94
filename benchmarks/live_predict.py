"""The live path on ONNX Runtime (core/live.py) against the torch Predictor, on the shipped model.

    python benchmarks/live_predict.py [--rounds 5] [--singles 300] [--batches 40]

Prints, each measured in fresh processes:
  - import time: `import onnxruntime` against `import torch` (and `import numpy`, which both need), medians
    of --rounds interleaved rounds;
  - resident memory (VmRSS and its peak VmHWM from /proc/self/status) of a process that imports numpy and
    onnxruntime, loads the .onnx and predicts, against one that imports torch, loads the .pt and predicts;
  - latency p50/p95 of one image (probabilities) and of a batch of 60 (the number reader's most), for the
    torch Predictor and the ONNX model with 1 and 2 intra-op threads; idle, and while another process trains
    the shipped network with torch on every core. Reads are paced (one every PACE_S), as the canvas sends
    them; the trainer's images/s during each measurement says what the reads took from training;
  - the cost of the layer outputs: the full graph (all outputs) against the lean one (probabilities only),
    and activations() as the feature maps ask for them;
  - the export itself: seconds for the first export in a process and for the next.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACE_S = 0.02     # 50 reads a second: a throttled canvas while the pen moves
BASE_S = 8.0      # the trainer's rate alone, measured before each case

IMAGES = r"""
import numpy as np
from mnist_gui.core.preprocess import strokes_to_mnist
def images(n, seed=0):
    rng, out = np.random.default_rng(seed), []
    while len(out) < n:
        strokes = []
        for _ in range(rng.integers(1, 4)):
            t = np.linspace(0, 1, int(rng.integers(8, 40)))[:, None]
            a, b, c = rng.uniform(0, 300, (3, 2))
            strokes.append(((1 - t) ** 2 * a + 2 * t * (1 - t) * b + t ** 2 * c).tolist())
        img = strokes_to_mnist(strokes)
        if img is not None:
            out.append(img)
    return out
"""

RSS = r"""
def rss():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}
"""

MEMORY = {
    "onnx": IMAGES + RSS + r"""
import sys, json
from mnist_gui.core.live import LivePredictor
p = LivePredictor.from_path(sys.argv[1])
imgs = images(60)
p.probabilities(imgs[0]); p.probabilities_batch(imgs)
after_predict = rss()
p.activations(imgs[0])
print(json.dumps({"predict": after_predict, "activations": rss(), "torch": "torch" in sys.modules}))
""",
    "torch": IMAGES + RSS + r"""
import sys, json
from mnist_gui import config
from mnist_gui.core.checkpoint import load_checkpoint
from mnist_gui.core.predictor import Predictor, torch_classifier
p = Predictor(load_checkpoint(config.SHIPPED_MODEL).model)
imgs = images(60)
p.probabilities(imgs[0]); torch_classifier(p.model)(imgs)
after_predict = rss()
p.activations(imgs[0])
print(json.dumps({"predict": after_predict, "activations": rss(), "torch": "torch" in sys.modules}))
""",
}

LATENCY = IMAGES + r"""
import json, sys, time
kind, path, pace = sys.argv[1], sys.argv[6], float(sys.argv[5])
threads, singles, batches = map(int, sys.argv[2:5])
imgs = images(60)
if kind == "torch":
    import torch
    torch.set_num_threads(threads)
    from mnist_gui import config
    from mnist_gui.core.checkpoint import load_checkpoint
    from mnist_gui.core.predictor import Predictor, torch_classifier
    p = Predictor(load_checkpoint(config.SHIPPED_MODEL).model)
    one, batch, acts = p.probabilities, torch_classifier(p.model), p.activations
    extra = {}
else:
    from mnist_gui.core.live import INPUT, OnnxModel
    m = OnnxModel.from_path(path, threads=threads)
    one, batch, acts = m.probabilities, m.probabilities_batch, m.activations
    m.activations(imgs[0])   # loads the full graph
    x1, x60 = imgs[0][None, None], __import__("numpy").stack(imgs)[:, None]
    extra = {"full graph, all outputs, 1": lambda: m._full.run(None, {INPUT: x1}),
             "full graph, probabilities only, 60": lambda: m._full.run(["probabilities"], {INPUT: x60}),
             "full graph, all outputs, 60": lambda: m._full.run(None, {INPUT: x60})}
def timed(fn, n, warm=5):
    for _ in range(warm):
        fn()
    ts = []
    cpu = time.process_time()
    for i in range(n):
        time.sleep(pace)
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    cpu = (time.process_time() - cpu) / n   # every thread of the process, spinning included
    ts.sort()
    return [ts[len(ts) // 2] * 1e3, ts[min(len(ts) - 1, int(len(ts) * 0.95))] * 1e3, cpu * 1e3]
t0 = time.time()
out = {"1": timed(lambda: one(imgs[0]), singles), "60": timed(lambda: batch(imgs), batches),
       "activations": timed(lambda: acts(imgs[0]), max(20, singles // 5))}
for k, fn in extra.items():
    out[k] = timed(fn, batches if k.endswith("60") else max(20, singles // 5))
print(json.dumps({"t0": t0, "t1": time.time(), "ms": out}))
"""

# The competing process: the shipped network trained with torch on every core, as the Train tab does.
TRAINER = r"""
import sys, time, torch
import torch.nn.functional as F
from mnist_gui.core.models import ModelConfig, build_model
torch.manual_seed(0)
model = build_model(ModelConfig("tf-tutorial")).train()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
print("threads", torch.get_num_threads(), flush=True)
while True:
    opt.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    opt.step()
    print(time.time(), flush=True)
"""

EXPORT = r"""
import json, time
from mnist_gui import config
from mnist_gui.core.checkpoint import load_checkpoint
from mnist_gui.core.onnx_export import export_onnx
ck = load_checkpoint(config.SHIPPED_MODEL)
ts = []
for _ in range(3):
    t = time.perf_counter()
    export_onnx(ck.model, ck.model_config, {"name": ck.name, "metrics": ck.metrics})
    ts.append(time.perf_counter() - t)
print(json.dumps(ts))
"""


def env() -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return e


def run(code: str, *args) -> str:
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env(), capture_output=True, text=True,
                       check=False, cwd=ROOT)
    if r.returncode:
        raise SystemExit(f"a measuring process failed:\n{r.stderr[-3000:]}")
    lines = r.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def import_seconds(module: str) -> float:
    return float(run(f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"))


class Trainer:
    """The competing training process; `rate(t0, t1)` is its images/s between two wall-clock times."""

    def __init__(self):
        self.log = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen([sys.executable, "-c", TRAINER], env=env(), stdout=self.log,
                                     stderr=subprocess.DEVNULL, cwd=ROOT)

    def steps(self) -> list[float]:
        self.log.seek(0)
        return [float(line) for line in self.log.read().split("\n")[1:] if line.strip()]

    def warm(self, seconds: float = 4.0) -> None:
        deadline = time.time() + 60
        while len(self.steps()) < 3 and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(seconds)

    def rate(self, t0: float, t1: float) -> float:
        n = sum(t0 <= s <= t1 for s in self.steps())
        return 64 * n / (t1 - t0)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="import-time rounds")
    ap.add_argument("--singles", type=int, default=300, help="single images per latency measurement")
    ap.add_argument("--batches", type=int, default=40, help="batches of 60 per latency measurement")
    ap.add_argument("--latency-only", action="store_true", help="skip export, import and memory")
    args = ap.parse_args()
    print(f"{cpu_name()}, {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the start")

    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = Path(tmp) / "shipped_model.onnx"
        shutil.copyfile(ROOT / "resources" / "shipped_model.onnx", onnx_path)   # the export of the shipped .pt
        print(f"\nshipped model: {onnx_path.stat().st_size / 1e6:.1f} MB as .onnx")
        if args.latency_only:
            return latency(args, onnx_path)
        ex = json.loads(run(EXPORT))
        print(f"export: first in a process {ex[0]:.2f} s, then {min(ex[1:]):.2f} s")

        times: dict[str, list[float]] = {"numpy": [], "onnxruntime": [], "torch": []}
        for _ in range(args.rounds):
            for mod in times:
                times[mod].append(import_seconds(mod))
        print(f"\nimport time, median of {args.rounds} fresh processes:")
        for mod, ts in times.items():
            print(f"  import {mod:<12} {statistics.median(ts) * 1e3:7.0f} ms")

        print("\nresident memory after predicting (MB; peak in brackets):")
        for kind, code in MEMORY.items():
            m = json.loads(run(code, onnx_path))
            p, a = m["predict"], m["activations"]
            print(f"  {kind:<6} 1 + 60 images {p['VmRSS']:6.0f} ({p['VmHWM']:.0f})   + activations "
                  f"{a['VmRSS']:6.0f} ({a['VmHWM']:.0f})   torch loaded: {m['torch']}")
        return latency(args, onnx_path)


def latency(args, onnx_path: Path) -> int:
    cases = [("torch", 1), ("torch", 2), ("onnx", 1), ("onnx", 2)]
    results = {}
    for load in ("idle", "training"):
        trainer = Trainer() if load == "training" else None
        try:
            if trainer:
                trainer.warm()
            for kind, threads in cases:
                if trainer:   # the trainer alone just before, for as long as the reads will take
                    t0 = time.time()
                    time.sleep(BASE_S)
                    base = trainer.rate(t0, time.time())
                r = json.loads(run(LATENCY, kind, threads, args.singles, args.batches, PACE_S, onnx_path))
                r["train"] = (trainer.rate(r["t0"], r["t1"]), base) if trainer else None
                results[load, kind, threads] = r
        finally:
            if trainer:
                trainer.stop()
        print(f"\nlatency, {load}" +
              f": ms p50 / p95 (CPU ms per read, all threads), one read every {PACE_S * 1e3:.0f} ms")
        print(f"  {'':<14}{'1 image':>22}{'60 images':>24}{'activations':>24}" +
              (f"{'training: alone -> with the reads':>36}" if trainer else ""))
        for kind, threads in cases:
            r = results[load, kind, threads]
            ms = r["ms"]
            row = "".join(f"{ms[k][0]:>9.2f} /{ms[k][1]:>6.2f} ({ms[k][2]:>5.1f})" for k in ("1", "60", "activations"))
            print(f"  {kind} {threads} thr{'s' if threads > 1 else ' '}  {row}" +
                  (f"{r['train'][1]:>14.0f} -> {r['train'][0]:.0f} images/s ({r['train'][0] / r['train'][1]:.0%})"
                   if trainer else ""))
        print("  the ONNX model's graphs (1 thread): ms p50 / p95 (CPU ms)")
        ms = results[load, "onnx", 1]["ms"]
        for k in ("full graph, all outputs, 1", "full graph, all outputs, 60", "full graph, probabilities only, 60"):
            print(f"    {k:<36}{ms[k][0]:>8.2f} /{ms[k][1]:>6.2f} ({ms[k][2]:>5.1f})")
        print(f"    {'lean graph (probabilities), 1':<36}{ms['1'][0]:>8.2f} /{ms['1'][1]:>6.2f} ({ms['1'][2]:>5.1f})")
        print(f"    {'lean graph (probabilities), 60':<36}{ms['60'][0]:>8.2f} /{ms['60'][1]:>6.2f} ({ms['60'][2]:>5.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
