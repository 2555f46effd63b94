"""The app's assets (resources/): shipped in the wheel, found by importlib.resources, installed on the desktop."""

import configparser
import importlib.util
import json
import os
import shlex
import shutil
import struct
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

import mnist_gui
from mnist_gui import cli, config, desktop
from tests.conftest import ROOT

APP_ID = config.APP_ID
ASSETS = ["shipped_model.pt", "shipped_model.onnx", "number_judge.pt", "number_judge.onnx", "digit_gate.onnx",
          "path_gate.onnx", "trajectory.onnx", "templates.npz",
          f"{APP_ID}.desktop", f"{APP_ID}.metainfo.xml", f"icons/{APP_ID}.svg",
          *(f"icons/{APP_ID}-{size}.png" for size in config.ICON_SIZES)]
TRANSLATIONS = ["translations/mnist_gui_xx.ts", "translations/mnist_gui_xx.qm"]

# Run in a fresh interpreter where the package was installed: every asset through importlib.resources and
# through config, and the shipped model loads.
CHECK_INSTALLED = textwrap.dedent("""
    import importlib.resources, json, sys
    from mnist_gui import config
    root = importlib.resources.files("mnist_gui.resources")
    assets = json.loads(sys.argv[1])
    out = {"root": str(root), "config_root": str(config.resources()),
           "found": [a for a in assets if root.joinpath(*a.split("/")).is_file()],
           "real_files": [a for a in assets if config.resource_path(a).is_file()]}
    if "--load" in sys.argv:
        from mnist_gui.core.checkpoint import load_checkpoint
        out["preset"] = load_checkpoint(config.SHIPPED_MODEL).model_config.preset
    print(json.dumps(out))
""")


def _needs_setuptools():
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed here: building without isolation needs it")


def _source_copy(dest: Path) -> Path:
    """This checkout's packaging inputs, copied so that building leaves nothing in the checkout; with a
    translation pair added, to show that translations ship too."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("mnist_gui", "resources"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    for t in TRANSLATIONS:
        (dest / "resources" / t).write_bytes(b"placeholder")
    return dest


def _run_check(pythonpath, cwd: Path, *flags: str) -> dict:
    """CHECK_INSTALLED with pythonpath first on sys.path, outside this checkout."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath), MNIST_GUI_HOME=str(cwd / "home"))
    r = subprocess.run([sys.executable, "-c", CHECK_INSTALLED, json.dumps(ASSETS), *flags],
                       capture_output=True, text=True, cwd=str(cwd), env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    _needs_setuptools()
    src = _source_copy(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "-w", str(out), "--no-deps",
                        "--no-build-isolation", "--no-index", "-q"], capture_output=True, text=True, timeout=600)
    if r.returncode != 0 and "No module named pip" in r.stderr:
        pytest.skip("pip is not installed here")
    assert r.returncode == 0, r.stderr
    (whl,) = out.glob("mnist_gui-*.whl")
    return whl


@pytest.mark.slow
def test_the_wheel_ships_every_asset_and_every_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for asset in ASSETS + TRANSLATIONS:
        assert f"mnist_gui/resources/{asset}" in names, asset
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "mnist_gui").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert modules and modules <= names  # the package list in pyproject.toml misses none
    assert "mnist_gui/resources/__init__.py" in names
    assert not any(n.startswith("resources/") for n in names)  # mapped, not a top-level package


@pytest.mark.slow
def test_installed_wheel_finds_every_asset_and_loads_the_shipped_model(wheel, tmp_path):
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target",
                        str(target), str(wheel)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = _run_check(target, tmp_path, "--load")
    assert out["root"] == str(target / "mnist_gui" / "resources")
    assert out["config_root"] == out["root"]
    assert out["found"] == ASSETS and out["real_files"] == ASSETS
    assert out["preset"] == "tf-tutorial"


def test_assets_are_found_inside_the_zipped_wheel(wheel, tmp_path):
    """Imported straight from the zip file: real paths come from importlib.resources.as_file."""
    out = _run_check(wheel, tmp_path)
    assert out["root"].startswith(str(wheel))
    assert out["found"] == ASSETS and out["real_files"] == ASSETS


def test_editable_install_maps_resources_to_the_top_level_folder(tmp_path):
    """The editable wheel pip would install (PEP 660), put on a bare sys.path: mnist_gui.resources is the
    checkout's resources/ folder."""
    _needs_setuptools()
    (tmp_path / "src").mkdir()
    src = _source_copy(tmp_path / "src")
    build = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                            "print(build_meta.build_editable(sys.argv[1]))", str(tmp_path / "out")],
                           capture_output=True, text=True, cwd=str(src), timeout=300)
    assert build.returncode == 0, build.stderr
    site = tmp_path / "site"
    zipfile.ZipFile(tmp_path / "out" / build.stdout.split()[-1]).extractall(site)
    # -S: no site-packages, so only this editable install can answer; addsitedir runs its .pth hook
    code = f"import site; site.addsitedir({str(site)!r})\n" + CHECK_INSTALLED
    r = subprocess.run([sys.executable, "-S", "-c", code, json.dumps(ASSETS)], capture_output=True, text=True,
                       cwd=str(tmp_path), env=dict(os.environ, MNIST_GUI_HOME=str(tmp_path / "h")),
                       timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert Path(out["root"]) == src / "resources"
    assert out["found"] == ASSETS and out["real_files"] == ASSETS


def test_config_finds_every_asset_in_this_checkout():
    assert Path(str(config.resources())) == ROOT / "resources"
    for asset in ASSETS:
        assert config.resource_path(asset).is_file(), asset
    assert config.SHIPPED_MODEL == ROOT / "resources" / "shipped_model.pt"
    assert config.icon_path().suffix == ".svg" and config.icon_path().is_file()
    assert sorted(config.icon_pngs()) == sorted(config.ICON_SIZES)


def test_each_png_icon_has_its_size():
    for size, path in config.icon_pngs().items():
        head = path.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n", path
        assert struct.unpack(">II", head[16:24]) == (size, size), path
    svg = ET.parse(config.icon_path()).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 256 256"


def test_the_old_shipped_model_path_resolves_to_the_new_one(tmp_path):
    old = tmp_path / "venv" / "lib" / "mnist_gui" / "resources" / "shipped_model.pt"
    assert config.resolve_model_path(str(old)) == config.SHIPPED_MODEL
    assert config.resolve_model_path(old) == config.SHIPPED_MODEL
    # a file that is still there (e.g. the shipped model of an installed wheel) is kept
    old.parent.mkdir(parents=True)
    old.write_bytes(b"x")
    assert config.resolve_model_path(old) == old
    # any other path stays as it is, missing or not, so it gives its own error
    mine = tmp_path / "models" / "shipped_model.pt"
    assert config.resolve_model_path(mine) == mine


def _desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_has_the_needed_keys():
    entry = _desktop_entry(config.resource_path(f"{APP_ID}.desktop"))
    assert entry["Type"] == "Application"
    assert entry["Name"] and entry["Comment"]
    assert entry["Exec"] == "mnist-gui"
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    categories = entry["Categories"].split(";")
    assert {"Education", "Science", "ArtificialIntelligence"} <= set(categories) and categories[-1] == ""


def test_metainfo_has_the_required_elements():
    root = ET.parse(config.resource_path(f"{APP_ID}.metainfo.xml")).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "MIT"
    assert root.findtext("name") and root.findtext("summary")
    assert root.find("description/p") is not None
    launchable = root.find("launchable")
    assert launchable.get("type") == "desktop-id" and launchable.text == f"{APP_ID}.desktop"
    assert root.findtext("provides/binary") == "mnist-gui"
    assert root.find("content_rating").get("type") == "oars-1.1"
    assert mnist_gui.__version__ in [r.get("version") for r in root.iter("release")]


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_install_desktop_writes_exactly_its_files_and_uninstall_removes_them(tmp_path, monkeypatch, capsys):
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    unrelated = [xdg / "applications" / "other.desktop", xdg / "metainfo" / "other.metainfo.xml",
                 xdg / "icons" / "hicolor" / "48x48" / "apps" / "other.png",
                 xdg / "icons" / "hicolor" / "scalable" / "apps" / "other.svg"]
    for f in unrelated:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("not ours")

    assert cli.main(["install-desktop", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    written = {Path(f) for f in result["written"]}
    assert written == set(desktop.targets(xdg))
    assert len(written) == 3 + len(config.ICON_SIZES)
    assert _files(xdg) == written | set(unrelated)
    for size in config.ICON_SIZES:
        png = xdg / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png.read_bytes() == config.icon_pngs()[size].read_bytes()
    entry = _desktop_entry(xdg / "applications" / f"{APP_ID}.desktop")
    assert entry["Exec"] == result["exec"]
    assert Path(shlex.split(entry["Exec"])[0]).is_absolute()
    assert entry["Icon"] == APP_ID

    assert cli.main(["install-desktop", "--uninstall", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {Path(f) for f in result["removed"]} == written
    assert _files(xdg) == set(unrelated)
    assert all(f.read_text() == "not ours" for f in unrelated)

    assert cli.main(["install-desktop", "--uninstall"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_the_launcher_runs_the_mnist_gui_script_that_is_running(tmp_path, monkeypatch):
    script = tmp_path / "bin" / "mnist-gui"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "argv", [str(script), "install-desktop"])
    assert desktop.launch_command() == [str(script)]
    monkeypatch.setattr(sys, "argv", [str(ROOT / "mnist_gui" / "__main__.py"), "install-desktop"])
    assert desktop.launch_command() == [sys.executable, "-m", "mnist_gui"]


def _split_exec(value: str) -> list[str]:
    """An Exec= value as read from the file -> argv, the way the Desktop Entry spec says to read it."""
    value = value.replace("\\\\", "\\")  # the string-value escape of a backslash
    args, arg, quoted, started = [], [], False, False
    chars = iter(value)
    for c in chars:
        if quoted and c == "\\":
            arg.append(next(chars))
        elif c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if started or arg:
                args.append("".join(arg))
            arg, started = [], False
        else:
            arg.append(c)
    if started or arg:
        args.append("".join(arg))
    return [a.replace("%%", "%") for a in args]


def test_exec_line_quotes_what_the_spec_reserves(tmp_path):
    argv = ["/home/me/my apps/bin/mnist-gui", 'say "hi"', "100%", "a\\b$c`d", "-m", ""]
    entry = tmp_path / "x.desktop"
    entry.write_text(f"[Desktop Entry]\nExec={desktop.exec_line(argv)}\n")
    assert _split_exec(_desktop_entry(entry)["Exec"]) == argv
    assert desktop.exec_line(["/usr/bin/mnist-gui"]) == "/usr/bin/mnist-gui"  # nothing to quote
