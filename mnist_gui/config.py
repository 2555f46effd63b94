"""One place for paths and shared constants (used by core, GUI and command line)."""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.resources
import os
import sys
from pathlib import Path

# MNIST normalisation: the training data and every preprocessing path use these.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

IMAGE_SIZE = 28
IMAGE_CENTRE = IMAGE_SIZE / 2          # 14.0: where the centre of mass goes
IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE  # 784
MNIST_TRAIN_SIZE = 60_000
MNIST_TEST_SIZE = 10_000
DIGIT_BOX = 20  # MNIST digits fit a 20x20 box, centred by centre of mass in 28x28

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

APP_ID = "io.github.mnist_gui.MnistGui"  # reverse-DNS id: the .desktop file, the icon and metainfo names
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)  # the PNG renders in resources/icons/

PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_ROOT = PACKAGE_DIR.parent


def resources():
    """The app's assets (a Traversable): the top-level resources/ folder, installed as mnist_gui.resources.

    importlib.resources finds them wherever the package lives: a wheel install, a zip, an editable install.
    Run from a source checkout, the checkout's own resources/ folder wins: without an install there is no
    mnist_gui.resources package, and an editable install of another checkout must not lend its assets.
    """
    source = _SOURCE_ROOT / "resources"
    if (source / "__init__.py").is_file() and (_SOURCE_ROOT / "pyproject.toml").is_file():
        return source
    return importlib.resources.files("mnist_gui.resources")


_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


@functools.cache
def resource_path(name: str) -> Path:
    """A real file path to one asset, e.g. "shipped_model.pt" or "icons/<file>.png".

    On a file system this is the file itself; from a zip it is extracted once and removed at exit.
    """
    item = resources()
    for part in name.split("/"):
        item = item / part
    return _extracted.enter_context(importlib.resources.as_file(item))


def icon_path() -> Path:
    """The app icon, SVG (for QIcon, or anything that scales)."""
    return resource_path(f"icons/{APP_ID}.svg")


def icon_pngs() -> dict[int, Path]:
    """The app icon rendered to PNG, by size in pixels (for QIcon.addFile on platforms without SVG)."""
    return {size: resource_path(f"icons/{APP_ID}-{size}.png") for size in ICON_SIZES}


SHIPPED_MODEL = resource_path("shipped_model.pt")


def resolve_model_path(path: str | os.PathLike) -> Path:
    """A remembered model path as it is now: the shipped model's old place maps to SHIPPED_MODEL.

    The shipped model used to live in the package folder, .../mnist_gui/resources/shipped_model.pt, and
    settings may still name that file; when it is gone, the shipped model is where it lives now. Other
    paths are returned as they are, so a missing model of the user's still gives its own clear error.
    """
    p = Path(path)
    if p.parts[-3:] == ("mnist_gui", "resources", "shipped_model.pt") and not p.exists():
        return SHIPPED_MODEL
    return p


def app_home() -> Path:
    """The per-user folder: $MNIST_GUI_HOME, else the platform's app-data location."""
    env = os.environ.get("MNIST_GUI_HOME")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "mnist-gui"


def user_data_dir() -> Path:
    """Where MNIST is downloaded to when no other folder holds it."""
    return app_home() / "data"


def cache_dir() -> Path:
    """What can be made again (decoded MNIST when its own folder is read-only)."""
    return app_home() / "cache"


def models_dir() -> Path:
    return app_home() / "models"


def runs_dir() -> Path:
    return app_home() / "runs"


def data_dir_candidates(data_dir: str | os.PathLike | None = None,
                        user_folder: Path | None = None) -> list[tuple[str, Path]]:
    """Folders to look in for MNIST, first match wins: --data-dir, $MNIST_GUI_DATA, the user folder
    (a Workspace's download folder; default: the app folder's data/)."""
    out: list[tuple[str, Path]] = []
    if data_dir:
        out.append(("--data-dir", Path(data_dir).expanduser()))
    env = os.environ.get("MNIST_GUI_DATA")
    if env:
        out.append(("MNIST_GUI_DATA", Path(env).expanduser()))
    out.append(("user folder", user_folder or user_data_dir()))
    return out
