"""Conversions between numpy images and QImage, shared by the tabs that show digits."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from mnist_gui.config import IMAGE_SIZE


def array_to_qimage(img: np.ndarray) -> QImage:
    """A 2-D float image in [0, 1] -> an 8-bit grayscale QImage (a copy that owns its pixels)."""
    a = np.ascontiguousarray((np.clip(img, 0, 1) * 255).astype(np.uint8))
    return QImage(a.data, a.shape[1], a.shape[0], a.shape[1], QImage.Format.Format_Grayscale8).copy()


def qimage_to_array(img: QImage) -> np.ndarray:
    """Any QImage -> 2-D float32 grayscale in [0, 1]."""
    g = img.convertToFormat(QImage.Format.Format_Grayscale8)
    w, h, bpl = g.width(), g.height(), g.bytesPerLine()
    buf = np.frombuffer(g.constBits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)
    return buf[:, :w].astype(np.float32) / 255.0


def qimage_to_rgba(img: QImage) -> np.ndarray:
    """Any QImage -> H×W×4 uint8 RGBA (straight alpha), for the core's one transparency rule."""
    g = img.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h, bpl = g.width(), g.height(), g.bytesPerLine()
    buf = np.frombuffer(g.constBits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)
    return buf[:, :w * 4].reshape(h, w, 4).copy()


def rgba_to_qimage(rgba: np.ndarray) -> QImage:
    """An H×W×4 uint8 RGBA array -> QImage (a copy that owns its pixels)."""
    a = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w = a.shape[:2]
    return QImage(a.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def digit_qimage(u8: np.ndarray) -> QImage:
    """A 28×28 uint8 MNIST image -> QImage."""
    return array_to_qimage(np.asarray(u8, np.float32).reshape(IMAGE_SIZE, IMAGE_SIZE) / 255.0)
