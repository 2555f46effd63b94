import os
import sys
from pathlib import Path

import pytest

# The GUI tests run offscreen; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
SHARED_PENDIGITS = ROOT.parent / "shared" / "data" / "pendigits" / "pendigits-train.gz"


def mnist_dir() -> Path | None:
    env = os.environ.get("MNIST_GUI_DATA")
    for cand in ([Path(env)] if env else []) + [SHARED_MNIST]:
        if (cand / "t10k-images-idx3-ubyte.gz").exists() or (cand / "t10k-images-idx3-ubyte").exists():
            return cand.resolve()
    return None


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test reads or writes a real user folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("MNIST_GUI_HOME", str(home))
    d = mnist_dir()
    if d is not None:
        monkeypatch.setenv("MNIST_GUI_DATA", str(d))
    yield home


@pytest.fixture(autouse=True)
def _torch_threads_restored():
    """torch.set_num_threads is process-wide: a test that changes it must not change it for the rest."""
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    yield
    torch = sys.modules.get("torch")
    if torch is not None and before is not None and torch.get_num_threads() != before:
        torch.set_num_threads(before)


@pytest.fixture(scope="session")
def mnist():
    d = mnist_dir()
    if d is None:
        pytest.skip("MNIST not available (set MNIST_GUI_DATA)")
    from mnist_gui.core.data import load_mnist
    return load_mnist(d, download=False)


@pytest.fixture(scope="session")
def small_mnist(mnist):
    """A small slice for fast training tests: 3000 train, 1000 test images."""
    from mnist_gui.core.data import Mnist, MnistSplit
    return Mnist(train=MnistSplit(mnist.train.images[:3000], mnist.train.labels[:3000]),
                 test=MnistSplit(mnist.test.images[:1000], mnist.test.labels[:1000]), folder=mnist.folder)


@pytest.fixture(scope="session")
def shipped():
    from mnist_gui import config
    from mnist_gui.core.checkpoint import load_checkpoint
    if not config.SHIPPED_MODEL.exists():
        pytest.fail(f"the shipped model is missing: {config.SHIPPED_MODEL} (resources/shipped_model.pt)")
    return load_checkpoint(config.SHIPPED_MODEL)


def run_cli(*args, env=None, timeout=600):
    import subprocess
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "mnist_gui", *args], capture_output=True, text=True,
                          env=e, timeout=timeout, cwd=str(ROOT))
