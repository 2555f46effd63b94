"""Untrusted files are data and every resource is bounded: images, checkpoints, IDX files, sizes asked for."""

import os

import pytest

from mnist_gui.core.preprocess import PreprocessError, check_image_file
from tests.conftest import run_cli

POSTSCRIPT = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n"
DRAWING = POSTSCRIPT + b"newpath 5 5 moveto 20 20 lineto 4 setlinewidth stroke showpage\n"
FOREVER = POSTSCRIPT + b"{ } loop\n"


@pytest.fixture
def fake_gs(tmp_path):
    """A `gs` first on PATH that only leaves a marker file: any Ghostscript start shows."""
    bin_dir, marker = tmp_path / "bin", tmp_path / "gs-ran"
    bin_dir.mkdir()
    gs = bin_dir / "gs"
    gs.write_text(f"#!/bin/sh\necho \"$@\" >> {marker}\nexit 0\n")
    gs.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, marker


def test_postscript_named_png_is_refused_by_predict_and_no_program_starts(tmp_path, fake_gs):
    env, marker = fake_gs
    (tmp_path / "x.png").write_bytes(DRAWING)
    (tmp_path / "loop.png").write_bytes(FOREVER)
    r = run_cli("predict", str(tmp_path / "x.png"), str(tmp_path / "loop.png"), env=env, timeout=120)
    assert r.returncode != 0 and r.stdout == "" and "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 2
    for line, name in zip(lines, ("x.png", "loop.png")):
        assert name in line and "EPS" in line and "only PNG, JPEG, BMP, GIF, WebP and TIFF images are read" in line
    assert not marker.exists()


def test_the_reader_refuses_formats_outside_the_list(tmp_path):
    from PIL import Image
    img = Image.new("L", (40, 40), 0)
    for fmt, name in (("PPM", "a.png"), ("PCX", "b.jpg"), ("TGA", "c.bmp"), ("ICO", "d.gif")):
        img.save(tmp_path / name, format=fmt)
        with pytest.raises(PreprocessError) as e:
            check_image_file(tmp_path / name)
        assert name in str(e.value) and "only PNG" in str(e.value) and "\n" not in str(e.value)
    for fmt in ("PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF"):
        img.save(tmp_path / f"ok.{fmt}", format=fmt)
        check_image_file(tmp_path / f"ok.{fmt}")
