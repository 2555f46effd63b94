import os
import sys
from pathlib import Path

import pytest

# The GUI tests run offscreen; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
SHARED_PENDIGITS = ROOT.parent / "shared" / "data" / "pendigits" / "pendigits-train.gz"


def _has_mnist(folder: Path) -> bool:
    return (folder / "t10k-images-idx3-ubyte.gz").exists() or (folder / "t10k-images-idx3-ubyte").exists()


def mnist_cache_dir() -> Path:
    """Where the tests keep the MNIST they downloaded: $MNIST_GUI_TEST_CACHE, else the platform's cache folder."""
    env = os.environ.get("MNIST_GUI_TEST_CACHE")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mnist-gui-tests" / "mnist"


def find_or_fetch_mnist(candidates: list[Path], cache: Path, allowed: bool, fetch) -> tuple[Path | None, str]:
    """The first candidate folder (then cache) holding MNIST; else, when allowed, fetch(cache) once (the
    app's download) and cache. Returns (folder, "") or (None, why there is none)."""
    for cand in [*candidates, cache]:
        if _has_mnist(cand):
            return cand.resolve(), ""
    if not allowed:
        return None, "MNIST not available (set MNIST_GUI_DATA; MNIST_GUI_TEST_DOWNLOAD=0 turns the download off)"
    from mnist_gui.core.errors import DownloadError
    try:
        fetch(cache)
    except DownloadError as e:
        why = "offline" if e.offline else "the download failed"
        return None, f"MNIST not available (set MNIST_GUI_DATA; {why}: {e.reason})"
    return (cache.resolve(), "") if _has_mnist(cache) else (None, "MNIST not available (set MNIST_GUI_DATA)")


_MNIST: list[tuple[Path | None, str]] = []    # the answer, once per test session (one download at most)


def mnist_lookup() -> tuple[Path | None, str]:
    if not _MNIST:
        from mnist_gui.core.data import download_mnist
        env = os.environ.get("MNIST_GUI_DATA")
        _MNIST.append(find_or_fetch_mnist(([Path(env)] if env else []) + [SHARED_MNIST], mnist_cache_dir(),
                                          os.environ.get("MNIST_GUI_TEST_DOWNLOAD", "1") != "0", download_mnist))
    return _MNIST[0]


def mnist_dir() -> Path | None:
    """MNIST for the tests: $MNIST_GUI_DATA, ../shared/data/mnist, else the tests' cache (downloaded once)."""
    return mnist_lookup()[0]


def mnist_skip_reason() -> str:
    return mnist_lookup()[1] or "MNIST not available (set MNIST_GUI_DATA)"


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
        pytest.skip(mnist_skip_reason())
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
