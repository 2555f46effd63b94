#!/usr/bin/env bash
# The GPU checks of issue 30 ("the whole wait"), in one go, on a CUDA machine (made for a lent H200: python3
# with torch, onnx, onnxruntime, numpy; no PySide6, pyqtgraph or Optuna needed). From the repository root:
#
#     MNIST_GUI_DATA=.gpu/mnist bash benchmarks/gpu_check.sh
#
# Prints: the Trainer's fast recipe with the step as a CUDA graph and eager (accuracy, training time,
# training + evaluation) for 3 seeds, the first run's warm-up, a plain CUDA-graph loop of the same network,
# the CUDA-graph test of tests/core/test_train.py when pytest is there, and `python3 -m mnist_gui train
# --device cuda --recipe fast` from launch to exit. About 2-4 minutes; every step has its own time limit.
set -u
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD" MNIST_GUI_DATA="${MNIST_GUI_DATA:-.gpu/mnist}"
export MNIST_GUI_HOME="$(mktemp -d)"   # runs and models of this check go here, not into a user folder
PY="${PYTHON:-python3}"
echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
"$PY" -c "import torch, onnx, onnxruntime, numpy; print('torch', torch.__version__, 'cuda', torch.version.cuda, '| onnx', onnx.__version__, '| onnxruntime', onnxruntime.__version__, '| numpy', numpy.__version__)"
echo "== MNIST decode (first load) and cache (second load)"
for i in 1 2; do
  timeout 60 "$PY" -c "
import time; t = time.perf_counter()
from mnist_gui.core.data import load_mnist
m = load_mnist(download=False); print(f'load {$i}: {time.perf_counter() - t:.2f} s (import included), {len(m.train):,} training images')"
done
echo "== fast recipe: Trainer with CUDA graph / eager / plain CUDA-graph loop, 3 seeds"
timeout 240 "$PY" benchmarks/gpu_train.py --device cuda --compare-graphs --seeds 0 1 2
echo "rc=$?"
if "$PY" -c "import pytest" 2>/dev/null; then
  echo "== the CUDA tests of tests/core/test_train.py"
  timeout 120 "$PY" -m pytest -q -p no:cacheprovider tests/core/test_train.py -k "cuda" 2>&1 | tail -5
fi
echo "== does the CLI import without PySide6/Optuna?"
"$PY" -c "import mnist_gui.cli, sys; print('cli imports:', sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'optuna', 'pyqtgraph')) or 'none of PySide6/optuna/pyqtgraph')"
echo "== mnist-gui train --device cuda --recipe fast, launch to exit"
t0=$(date +%s.%N)
timeout 120 "$PY" -m mnist_gui train --device cuda --recipe fast --no-progress --out "$MNIST_GUI_HOME/cli.pt" 2>&1 | tail -6
rc=${PIPESTATUS[0]}
t1=$(date +%s.%N)
echo "rc=$rc; launch to exit: $("$PY" -c "print(f'{$t1 - $t0:.2f}')") s"
rm -rf "$MNIST_GUI_HOME"
