"""One place for paths and shared constants (used by core, GUI and command line)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# MNIST normalisation: the training data and every preprocessing path use these.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

IMAGE_SIZE = 28
DIGIT_BOX = 20  # MNIST digits fit a 20x20 box, centred by centre of mass in 28x28

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

PACKAGE_DIR = Path(__file__).resolve().parent
RESOURCES_DIR = PACKAGE_DIR / "resources"
SHIPPED_MODEL = RESOURCES_DIR / "shipped_model.pt"


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


def models_dir() -> Path:
    return app_home() / "models"


def runs_dir() -> Path:
    return app_home() / "runs"


def data_dir_candidates(data_dir: str | os.PathLike | None = None) -> list[tuple[str, Path]]:
    """Folders to look in for MNIST, first match wins: --data-dir, $MNIST_GUI_DATA, user folder."""
    out: list[tuple[str, Path]] = []
    if data_dir:
        out.append(("--data-dir", Path(data_dir).expanduser()))
    env = os.environ.get("MNIST_GUI_DATA")
    if env:
        out.append(("MNIST_GUI_DATA", Path(env).expanduser()))
    out.append(("user folder", user_data_dir()))
    return out
