"""`mnist-gui install-desktop`: a launcher, icons and metainfo in the user's XDG data folder (Linux desktops).

Files go where the freedesktop.org specifications look for them, under $XDG_DATA_HOME (else ~/.local/share):
applications/<id>.desktop, icons/hicolor/<n>x<n>/apps/<id>.png, icons/hicolor/scalable/apps/<id>.svg and
metainfo/<id>.metainfo.xml. `--uninstall` removes exactly those files. No Qt here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from mnist_gui import config
from mnist_gui.core.storage import atomic_write_bytes

APP_ID = config.APP_ID


def data_home() -> Path:
    """$XDG_DATA_HOME when it is an absolute path (the spec ignores a relative one), else ~/.local/share."""
    env = os.environ.get("XDG_DATA_HOME", "")
    return Path(env) if os.path.isabs(env) else Path.home() / ".local" / "share"


def targets(home: Path) -> dict[Path, str]:
    """Every file install-desktop writes, as {destination: asset name in mnist_gui.resources}."""
    hicolor = home / "icons" / "hicolor"
    out = {home / "applications" / f"{APP_ID}.desktop": f"{APP_ID}.desktop",
           home / "metainfo" / f"{APP_ID}.metainfo.xml": f"{APP_ID}.metainfo.xml",
           hicolor / "scalable" / "apps" / f"{APP_ID}.svg": f"icons/{APP_ID}.svg"}
    for size in config.ICON_SIZES:
        out[hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"] = f"icons/{APP_ID}-{size}.png"
    return out


def launch_command() -> list[str]:
    """The command that starts the app as it runs now: the absolute path of the mnist-gui script, else
    this Python with -m mnist_gui."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "mnist-gui" and argv0.is_file():
        return [str(argv0.absolute())]
    if argv0 is None or argv0.name != "__main__.py":  # not `python -m mnist_gui`: look on PATH
        found = shutil.which("mnist-gui")
        if found:
            return [str(Path(found).absolute())]
    return [sys.executable, "-m", "mnist_gui"]


_EXEC_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


def exec_line(argv: list[str]) -> str:
    """argv as the value of a .desktop file's Exec= key (quoting and escaping rules of the spec)."""
    parts = []
    for arg in argv:
        if not arg or any(c in _EXEC_RESERVED for c in arg):
            arg = '"' + re.sub(r'(["`$\\])', r"\\\1", arg) + '"'
        parts.append(arg.replace("%", "%%"))
    # the value itself is a string value: a backslash is written as \\
    return " ".join(parts).replace("\\", "\\\\")


def _desktop_entry(argv: list[str]) -> str:
    text = config.resource_path(f"{APP_ID}.desktop").read_text(encoding="utf-8")
    text, n = re.subn(r"^Exec=.*$", lambda m: "Exec=" + exec_line(argv), text, count=1, flags=re.M)
    if n != 1:
        raise ValueError(f"the shipped {APP_ID}.desktop has no Exec= line")
    return text


def _refresh_caches(home: Path) -> None:
    """Keep existing desktop and icon caches current (a stale icon cache hides a new icon); create none.
    The tools are optional and their failures do not matter: without a cache, lookups scan the folders."""
    for tool, cache, args in (
            ("update-desktop-database", home / "applications" / "mimeinfo.cache", ["-q"]),
            ("gtk-update-icon-cache", home / "icons" / "hicolor" / "icon-theme.cache", ["-q", "-f", "-t"])):
        exe = shutil.which(tool)
        if exe and cache.exists():
            try:
                subprocess.run([exe, *args, str(cache.parent)], capture_output=True, timeout=60, check=False)
            except (OSError, subprocess.SubprocessError):
                pass


def _check_platform() -> None:
    if sys.platform in ("win32", "darwin"):
        raise ValueError("install-desktop is for Linux and other freedesktop.org desktops; "
                         f"there is nothing to install on {sys.platform}")


def install(home: Path | None = None, argv: list[str] | None = None) -> list[Path]:
    """Write the launcher (Exec= runs argv, default launch_command()), icons and metainfo under home
    (default data_home()). Returns the files written."""
    _check_platform()
    home = data_home() if home is None else Path(home)
    entry = _desktop_entry(launch_command() if argv is None else argv)
    written = []
    for dest, name in targets(home).items():
        # the one writer: never through a link, never over anything but a regular file (UnsafeDestination)
        if dest.name.endswith(".desktop"):
            atomic_write_bytes(dest, entry.encode("utf-8"), make_folder=True)
        else:
            atomic_write_bytes(dest, config.resource_path(name).read_bytes(), make_folder=True)
        written.append(dest)
    _refresh_caches(home)
    return written


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove exactly the files install() writes (folders stay). Returns the files removed."""
    _check_platform()
    home = data_home() if home is None else Path(home)
    removed = []
    for dest in targets(home):
        try:
            if not stat.S_ISREG(os.lstat(dest).st_mode):   # not what install() wrote: left alone
                continue
            dest.unlink()
        except FileNotFoundError:
            continue
        removed.append(dest)
    _refresh_caches(home)
    return removed


def cmd_install_desktop(args) -> int:
    """The `mnist-gui install-desktop [--uninstall] [--json]` subcommand."""
    if args.uninstall:
        files = uninstall()
        result = {"action": "uninstall", "data_home": str(data_home()), "removed": [str(f) for f in files]}
        lines = [f"removed {f}" for f in files] or [f"nothing to remove: no mnist-gui files in {data_home()}"]
    else:
        argv = launch_command()
        files = install(argv=argv)
        result = {"action": "install", "data_home": str(data_home()), "exec": exec_line(argv),
                  "written": [str(f) for f in files]}
        lines = [f"wrote {f}" for f in files] + [f"the launcher runs: {exec_line(argv)}"]
    print(json.dumps(result) if args.json else "\n".join(lines))
    return 0
