"""Render resources/icons/<id>.svg to the PNG sizes the desktop asks for (hicolor theme sizes).

    python scripts/render_icons.py

Uses PySide6's QtSvg offscreen, so it needs nothing beyond the app's own dependencies.
Writes resources/icons/<id>-<size>.png; commit them (the wheel ships the PNGs, it does not render them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mnist_gui.config import APP_ID, ICON_SIZES  # noqa: E402

ICONS = ROOT / "resources" / "icons"


def render(svg: Path, size: int, out: Path) -> None:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"render_icons: could not write {out}")


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (QPainter needs one)
    svg = ICONS / f"{APP_ID}.svg"
    for size in ICON_SIZES:
        out = ICONS / f"{APP_ID}-{size}.png"
        render(svg, size, out)
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
