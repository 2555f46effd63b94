"""Where the file dialogs start: a folder remembered in the settings, else a standard one, else home; never
the working folder, which is wherever the app happened to be started."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths

from mnist_gui.core.workspace import Workspace

EXPORT_KEY = "export/folder"


def start_folder(ws: Workspace, key: str, standard: QStandardPaths.StandardLocation) -> Path:
    """The folder remembered under key (settings), else the standard location, else home."""
    last = ws.settings.get(key)
    for folder in (last, QStandardPaths.writableLocation(standard)):
        if folder and Path(folder).is_absolute() and Path(folder).is_dir():
            return Path(folder)
    return Path.home()


def export_folder(ws: Workspace) -> Path:
    """Where the export dialogs start (File → Export model as ONNX…, the study's CSV): the folder the last
    export went to, else the user's documents folder (an export is for use outside the app)."""
    return start_folder(ws, EXPORT_KEY, QStandardPaths.StandardLocation.DocumentsLocation)


def remember_export_folder(ws: Workspace, path: str | Path) -> None:
    """An export dialog was answered with path: the next one starts in its folder."""
    ws.settings.set(EXPORT_KEY, str(Path(path).parent))
