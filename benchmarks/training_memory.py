"""Memory of training: `spec.training_bytes` (what `summary` and the Train tab check) against what a training
step really takes, measured, for a few networks at their training batch size.

    python benchmarks/training_memory.py [--steps 2] [--precision fp32 bf16] [--only NAME ...]

Each network runs in a fresh process: it imports torch, notes its peak resident memory (ru_maxrss), builds
the network as the Trainer does (channels-last, AdamW fused, the training mode, bfloat16 autocast for bf16)
and runs --steps optimizer steps on random images of the batch size. Measured: the peak resident memory
less the one before the network was built (the weights, their gradients, the optimizer's moments, what the
forward pass keeps for the backward one, and the convolutions' working memory). The MNIST copy a run holds
(about 190 MB) is not in it: the share of memory a run may plan on leaves room for that.
Printed for each: the estimate, the measured peak, and estimate / measured (1.0 or more: the estimate
covers it). The networks are small on purpose; the largest takes some 3 GB and a few seconds a step.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

NETWORKS = {
    "tf-tutorial (batch 64)": ("tf-tutorial", None, 64),
    "fast-bn (batch 128)": ("fast-bn", None, 128),
    # the tutorial's network with wider convolutions and a narrow dense layer: working memory dominates
    "tutorial 512/256 filters, dense 16": ("tf-tutorial", {0: {"filters": 512}, 3: {"filters": 256},
                                                           7: {"units": 16}}, 64),
    "tutorial 1024/256 filters, dense 16": ("tf-tutorial", {0: {"filters": 1024}, 3: {"filters": 256},
                                                            7: {"units": 16}}, 64),
    # no padding, a 3×3 kernel and a wide first layer
    "conv 256 k3, conv 256 k3, dense 10": (None, [
        {"kind": "conv", "filters": 256, "kernel": 3}, {"kind": "relu"},
        {"kind": "conv", "filters": 256, "kernel": 3}, {"kind": "relu"}, {"kind": "maxpool", "size": 2},
        {"kind": "flatten"}, {"kind": "dense", "units": 10}], 64),
    # one wide convolution with many input channels on a small map: its working memory, if any, shows
    "conv 64 k3, conv 1024 k5 same, dense 10": (None, [
        {"kind": "conv", "filters": 64, "kernel": 3, "stride": 2}, {"kind": "relu"},
        {"kind": "conv", "filters": 1024, "kernel": 5, "padding": "same"}, {"kind": "relu"},
        {"kind": "avgpool", "size": 13}, {"kind": "flatten"}, {"kind": "dense", "units": 10}], 64),
    # issue 32's network (4,096 and 1,024 filters, dense 16) at a small batch: memory is linear in the batch
    "issue 32's wide tutorial (batch 8)": ("tf-tutorial", {0: {"filters": 4096}, 3: {"filters": 1024},
                                                           7: {"units": 16}}, 8),
    # a large dense layer: the weights dominate
    "dense 4096, dense 10": (None, [{"kind": "flatten"}, {"kind": "dense", "units": 4096}, {"kind": "relu"},
                                    {"kind": "dense", "units": 10}], 64),
    "dense 8192, dense 8192, dense 10": (None, [{"kind": "flatten"}, {"kind": "dense", "units": 8192},
                                                {"kind": "relu"}, {"kind": "dense", "units": 8192},
                                                {"kind": "relu"}, {"kind": "dense", "units": 10}], 64),
}


# Run first, so that what PyTorch loads on first use (its kernels' code, thread pools) is not counted.
WARM_UP = [{"kind": "conv", "filters": 2, "kernel": 3, "padding": "same"}, {"kind": "batchnorm"}, {"kind": "relu"},
           {"kind": "maxpool", "size": 2}, {"kind": "conv", "filters": 2, "kernel": 5}, {"kind": "avgpool", "size": 2},
           {"kind": "flatten"}, {"kind": "dense", "units": 8}, {"kind": "dropout"}, {"kind": "dense", "units": 10}]


def layers_of(preset, change) -> list[dict]:
    from mnist_gui.core.presets import ModelConfig
    if preset is None:
        return change
    layers = ModelConfig(preset=preset).network().to_list()
    for i, fields in (change or {}).items():
        layers[i].update(fields)
    return layers


def measure(layers: list[dict], batch: int, steps: int, precision: str) -> dict:
    """In this (fresh) process: the peak resident memory of training steps, less what was there before."""
    import resource

    import torch
    import torch.nn.functional as F

    from mnist_gui.core.spec import NetworkSpec, build
    from mnist_gui.core.train import _autocast

    def peak() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024   # KiB on Linux

    def train(layers, batch, steps):
        torch.manual_seed(0)
        x = torch.randn(batch, 1, 28, 28).contiguous(memory_format=torch.channels_last)
        y = torch.randint(0, 10, (batch,))
        model = build(NetworkSpec.from_dict(layers)).to(memory_format=torch.channels_last).train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True)
        for _ in range(steps):
            with _autocast(torch.device("cpu"), precision):
                logits = model(x)
            loss = F.cross_entropy(logits.float(), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    train(WARM_UP, 2, 1)       # PyTorch's own code and caches, loaded on first use: not the network's
    before = peak()
    train(layers, batch, steps)
    return {"measured": peak() - before, "threads": torch.get_num_threads()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--precision", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    ap.add_argument("--only", nargs="+", help="names (or parts of names) of the networks to run")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        job = json.loads(args.child)
        print(json.dumps(measure(job["layers"], job["batch"], job["steps"], job["precision"])))
        return 0

    from mnist_gui.core import limits
    from mnist_gui.core.spec import NetworkSpec, analyse, training_bytes
    print(f"machine: {os.cpu_count()} CPUs, {limits.size_text(limits.memory_bytes())} of memory; "
          f"load average {os.getloadavg()[0]:.2f}; {args.steps} steps each")
    print(f"{'network':<38} {'prec':<5} {'estimate':>10} {'measured':>10} {'est/meas':>8}")
    for name, (preset, change, batch) in NETWORKS.items():
        if args.only and not any(o in name for o in args.only):
            continue
        layers = layers_of(preset, change)
        estimate = training_bytes(analyse(NetworkSpec.from_dict(layers)), batch)
        for precision in args.precision:
            job = json.dumps({"layers": layers, "batch": batch, "steps": args.steps, "precision": precision})
            r = subprocess.run([sys.executable, __file__, "--child", job], capture_output=True, text=True)
            if r.returncode:
                print(f"{name:<38} {precision:<5} failed: {r.stderr.strip().splitlines()[-1:]}")
                continue
            got = json.loads(r.stdout.strip().splitlines()[-1])["measured"]
            print(f"{name:<38} {precision:<5} {limits.size_text(estimate):>10} {limits.size_text(got):>10} "
                  f"{estimate / got:>8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
