"""Untrusted files are data and every resource is bounded: images, checkpoints, IDX files, sizes asked for."""

import os

import pytest

from mnist_gui.core.preprocess import PreprocessError, open_image
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
    lines = [line for line in r.stderr.splitlines() if not line.startswith("model: ")]  # which model read them
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
            open_image(tmp_path / name)
        assert name in str(e.value) and "only PNG" in str(e.value) and "\n" not in str(e.value)
    for fmt in ("PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF"):
        img.save(tmp_path / f"ok.{fmt}", format=fmt)
        open_image(tmp_path / f"ok.{fmt}")


# -- checkpoints: checked against the file's own size before anything is built ---------------------------

def _checkpoint(path, spec, state=None):
    import torch

    from mnist_gui.core.checkpoint import FORMAT
    torch.save({"format": FORMAT, "format_version": 1, "state_dict": state or {"x": torch.zeros(1)},
                "model_config": {"preset": "custom", "spec": spec, "dropout": None}}, path)
    return path


def _dense(*units):
    return [{"kind": "flatten"}, *({"kind": "dense", "units": u} for u in units), {"kind": "dense", "units": 10}]


def _load_error(path, monkeypatch=None) -> str:
    from mnist_gui.core import checkpoint, models
    from mnist_gui.core.checkpoint import CheckpointError
    if monkeypatch is not None:  # a refusal must come before the network is built
        monkeypatch.setattr(models, "build", lambda *a: pytest.fail("the network was built"))
    with pytest.raises(CheckpointError) as e:
        checkpoint.load_checkpoint(path)
    msg = str(e.value)
    assert str(path) in msg and "\n" not in msg
    return msg


def test_a_small_checkpoint_declaring_a_big_network_is_refused_before_it_is_built(tmp_path, monkeypatch):
    p = _checkpoint(tmp_path / "big.pt", _dense(16384, 4096))   # 80 M weights (320 MB) in a 1.6 KB file
    assert p.stat().st_size < 4000
    msg = _load_error(p, monkeypatch)
    assert "declares has 80," in msg and "the file holds 1" in msg


def test_a_checkpoint_declaring_more_than_the_machine_can_train_is_refused(tmp_path, monkeypatch):
    from mnist_gui.core import limits
    monkeypatch.setattr(limits, "memory_bytes", lambda: 8 * 2**30)
    msg = _load_error(_checkpoint(tmp_path / "huge.pt", _dense(65536, 65536)), monkeypatch)
    assert "layer 3 (dense)" in msg and "this machine lets a run use 6.0 GiB (three quarters of its 8.0 GiB)" in msg


@pytest.mark.parametrize("make,words", [
    (lambda t: {"logits.weight": t.zeros(1).expand(10**9)}, "not stored in full (1,000,000,000 values in 4 bytes)"),
    (lambda t: (lambda w: {"a": w, "b": w})(t.zeros(100)), "share their values"),
    (lambda t: {"logits.weight": t.zeros(10, 7850)[:, ::10]}, "not stored in full"),
])
def test_weights_must_be_stored_in_full_in_the_file(tmp_path, monkeypatch, make, words):
    import torch
    p = _checkpoint(tmp_path / "view.pt", _dense(), make(torch))
    assert words in _load_error(p, monkeypatch)


def _rezip(src, dst, compression, repeat=1):
    import zipfile
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", compression) as out:
        for info in z.infolist():
            for i in range(repeat):
                out.writestr(info.filename if i == 0 else f"{info.filename}.{i}", z.read(info))
    return dst


def test_a_zip_bomb_checkpoint_is_refused_before_torch_reads_it(tmp_path, monkeypatch):
    import zipfile

    import torch

    from mnist_gui import config
    from mnist_gui.core.checkpoint import load_checkpoint
    bomb = _checkpoint(tmp_path / "zeros.pt", _dense(), {"logits.weight": torch.zeros(10**8, dtype=torch.uint8)})
    bomb = _rezip(bomb, tmp_path / "bomb.pt", zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 10**6
    monkeypatch.setattr(torch, "load", lambda *a, **k: pytest.fail("torch read the file"))
    assert "compressed inside" in _load_error(bomb)
    # stored, not compressed, but claiming more than the file: the largest entry listed again, on the same bytes
    shipped = _rezip(config.SHIPPED_MODEL, tmp_path / "shipped.pt", zipfile.ZIP_STORED)
    assert "claim" in _load_error(_overlapping(shipped, tmp_path / "overlap.pt", copies=3))
    monkeypatch.undo()
    assert load_checkpoint(shipped).model is not None   # the same file, rezipped stored, still opens


def _overlapping(src, dst, copies):
    """src's zip with its central directory listing its largest entry `copies` more times (the same bytes)."""
    import struct
    data = src.read_bytes()
    end = data.rfind(b"PK\x05\x06")
    count, cd_size, cd_offset = struct.unpack_from("<HII", data, end + 10)
    records, at = [], cd_offset
    for _ in range(count):
        (size,), (name, extra, comment) = struct.unpack_from("<I", data, at + 24), struct.unpack_from("<HHH", data, at + 28)
        records.append((size, data[at:at + 46 + name + extra + comment]))
        at += 46 + name + extra + comment
    biggest = max(records)[1] * copies
    eocd = bytearray(data[end:])
    struct.pack_into("<HHI", eocd, 8, count + copies, count + copies, cd_size + len(biggest))
    dst.write_bytes(data[:cd_offset + cd_size] + biggest + bytes(eocd))
    return dst


def _run_limited(*args, gib=6):
    """mnist-gui in a process that may map at most `gib` GiB (RLIMIT_AS): asking for more must be refused."""
    import resource
    import subprocess
    import sys

    from tests.conftest import ROOT

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (gib * 2**30, gib * 2**30))
    return subprocess.run([sys.executable, "-m", "mnist_gui", *args], capture_output=True, text=True,
                          preexec_fn=limit, timeout=300, cwd=str(ROOT))


@pytest.mark.slow
def test_asking_for_more_memory_than_the_process_has_is_one_line(tmp_path):
    big = _checkpoint(tmp_path / "big.pt", _dense(65536, 32768))   # 8.2 GiB of weights in 1.6 KB
    limit = "this machine lets a run use 4.5 GiB (three quarters of its 6.0 GiB)"
    for args in (("summary", "--model", str(big)), ("evaluate", "--model", str(big)),
                 ("predict", "--model", str(big), str(tmp_path / "any.png")),
                 ("train", "--batch-size", "60000", "--max-steps", "1", "--out", str(tmp_path / "m.pt"))):
        r = _run_limited(*args)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-2000:]
        assert r.stderr.count("\n") == 1 and limit in r.stderr
        assert ("big.pt: layer 3 (dense)" if "--model" in args else "use a batch size of at most") in r.stderr


# -- IDX files: the header is checked first, and no more than it promises is read -------------------------

def _idx_header(*dims):
    import struct
    return struct.pack(">BBBB", 0, 0, 8, len(dims)) + struct.pack(">" + "I" * len(dims), *dims)


def test_a_gzip_idx_that_inflates_past_its_header_is_refused_after_reading_what_it_promised(tmp_path,
                                                                                            monkeypatch):
    import gzip

    from mnist_gui.core.data import DataError, read_idx
    p = tmp_path / "t10k-images-idx3-ubyte.gz"
    with gzip.open(p, "wb") as f:
        f.write(_idx_header(10, 28, 28))
        for _ in range(100):
            f.write(bytes(2**20))                      # 100 MB of zeros in 100 KB
    assert p.stat().st_size < 200_000
    inflated = []
    real_read = gzip.GzipFile.read
    monkeypatch.setattr(gzip.GzipFile, "read", lambda self, n=-1: inflated.append(len(b := real_read(self, n))) or b)
    with pytest.raises(DataError) as e:
        read_idx(p)
    assert "unexpected bytes after the 7,840 bytes of data its header promises" in str(e.value)
    assert sum(inflated) <= 16 + 7840 + 1


def test_an_idx_header_asking_for_more_than_memory_is_refused_before_the_data(tmp_path, monkeypatch):
    from mnist_gui.core import limits
    from mnist_gui.core.data import DataError, read_idx
    monkeypatch.setattr(limits, "memory_bytes", lambda: 8 * 2**30)
    for name, dims in (("images", (10_000_000, 28, 28)), ("labels", (2**32 - 1,))):
        p = tmp_path / name
        p.write_bytes(_idx_header(*dims) + bytes(100))
        with pytest.raises(DataError) as e:
            read_idx(p)
        assert f"promises {dims[0]:,} {name}" in str(e.value) and "6.0 GiB (three quarters of its 8.0 GiB)" in str(e.value)


def _png(w, h):
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


@pytest.mark.parametrize("name,content,words", [
    ("empty.png", b"", "is empty (0 bytes)"),
    ("wide.png", _png(0, 10), "not a readable image (a damaged PNG file)"),
    ("tall.png", _png(10, 0), "not a readable image (a damaged PNG file)"),
    ("short.gif", b"GIF8", "not a readable image"),
    ("page.png", b"%PDF-1.4\n%%EOF\n", "not a readable image; only PNG"),
    ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>', "not a readable image; only"),
    ("fifo.png", None, "not a regular file"),
    ("zeros.png", "/dev/zero", "not a regular file"),
])
def test_odd_files_are_one_line_each(tmp_path, name, content, words):
    p = tmp_path / name
    if content is None:
        os.mkfifo(p)
    elif isinstance(content, str):
        p.symlink_to(content)
    else:
        p.write_bytes(content)
    with pytest.raises(PreprocessError) as e:
        open_image(p)
    assert str(e.value) == f"{p}: {words}" or (str(e.value).startswith(f"{p}: {words}") and "\n" not in str(e.value))


# -- architectures: bounded in size, layers, nesting and digits; messages stay short ----------------------

@pytest.mark.parametrize("text,words", [
    ("[" * 100_000 + "]" * 100_000, "not valid JSON here (nested too deeply)"),
    ('{"layers": [{"kind": "flatten"}, {"kind": "dense", "units": ' + "9" * 5000 + "}]}",
     "not valid JSON here (a number too long to read)"),
    ('{"layers": [' + ", ".join(['{"kind": "relu"}'] * 5000) + "]}", "the architecture has 5,000 layers; at most 1,000 are read"),
    ('{"layers": [{"kind": "' + "x" * 500_000 + '"}]}', "layer 1: unknown kind 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...;"),
    (" " * 1_000_001, "too large (1,000,001 bytes; an architecture is at most 1,000,000)"),
])
def test_architecture_files_are_bounded(tmp_path, text, words):
    from mnist_gui.core.spec import SpecError, load_spec_file
    p = tmp_path / "arch.json"
    p.write_text(text)
    with pytest.raises(SpecError) as e:
        load_spec_file(p)
    assert str(e.value).startswith(f"{p}: {words}") and len(str(e.value)) < 300


def test_a_network_too_big_for_the_machine_is_an_error_naming_the_limit(monkeypatch):
    from mnist_gui.core import limits
    from mnist_gui.core.spec import NetworkSpec, analyse, problems
    monkeypatch.setattr(limits, "memory_bytes", lambda: 8 * 2**30)
    limit = "this machine lets a run use 6.0 GiB (three quarters of its 8.0 GiB)"
    weights = problems(analyse(NetworkSpec.from_dict(_dense(65536, 65536, 65536))), "error")
    n = 784 * 65536 + 2 * 65536 * 65536 + 65536 * 10 + 3 * 65536 + 10
    assert [str(p) for p in weights] == [f"layer 3 (dense): the network's {n:,} weights take {n * 4 / 2**30:.1f} GiB; "
                                         f"training needs 4 times that, {n * 16 / 2**30:.0f} GiB, and {limit}"]
    wide = [{"kind": "conv", "filters": 65536, "kernel": 1, "padding": 1000}, {"kind": "maxpool", "size": 1024},
            {"kind": "flatten"}, {"kind": "dense", "units": 10}]   # fields inside their caps; 2028²×65536 outputs
    outputs = problems(analyse(NetworkSpec.from_dict(wide)), "error")
    assert len(outputs) == 1 and str(outputs[0]).startswith("layer 1 (conv): one image's outputs through the "
                                                           "network take ") and limit in str(outputs[0])
    huge = problems(analyse(NetworkSpec.from_dict(_dense(10**40))), "error")
    assert str(huge[0]) == "layer 2 (dense): units (41 digits) is more than 65,536: a network this size would not fit in memory"


def test_a_batch_too_big_for_the_machine_is_refused_before_training_with_the_largest_that_fits(monkeypatch):
    from mnist_gui.core import limits
    from mnist_gui.core.recipes import RECIPES
    monkeypatch.setattr(limits, "memory_bytes", lambda: 8 * 2**30)
    cfg = RECIPES["fast"].config.with_overrides(batch_size=60_000)
    with pytest.raises(ValueError) as e:
        cfg.validated()
    msg = str(e.value)
    assert msg.startswith("batch size 60,000: training this network would need about ") and "\n" not in msg
    fits = int(msg.rsplit("at most ", 1)[1].replace(",", ""))
    assert 1_000 < fits < 60_000
    cfg.with_overrides(batch_size=fits).validated()
    with pytest.raises(ValueError):
        cfg.with_overrides(batch_size=fits + 1).validated()


def test_an_onnx_model_cannot_read_other_files_as_its_weights(tmp_path, monkeypatch):
    import numpy as np
    from onnx import TensorProto, helper

    from mnist_gui.core.live import OnnxModel, OnnxModelError
    (tmp_path / "secret.bin").write_bytes(b"secret-abcdefgh")
    monkeypatch.chdir(tmp_path)              # ONNX Runtime reads external data relative to the working folder
    w = helper.make_tensor("w", TensorProto.UINT8, [8], np.zeros(8, np.uint8).tobytes(), raw=True)
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "secret.bin"), ("offset", "0"), ("length", "8")):
        w.external_data.add(key=key, value=value)
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["logits"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.UINT8, [8])],
                              [helper.make_tensor_value_info("logits", TensorProto.UINT8, [8])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    (tmp_path / "m.onnx").write_bytes(model.SerializeToString())
    with pytest.raises(OnnxModelError) as e:
        OnnxModel.from_path(tmp_path / "m.onnx")
    assert "not a readable ONNX model (" in str(e.value) and "External data" in str(e.value)


@pytest.mark.parametrize("text,words", [
    (".SEGMENT DIGIT \"3\"\n.PEN_DOWN\n10 nan\n.PEN_UP\n", "coordinate '10 nan' is not a finite number"),
    (".SEGMENT DIGIT \"3\"\n.PEN_DOWN\n10 ten\n.PEN_UP\n", "could not convert string to float"),
    (".SEGMENT DIGIT \"" + "9" * 5000 + "\"\n", "Exceeds the limit"),
    (".SEGMENT DIGIT \"²\"\n", "bad .SEGMENT line"),
])
def test_a_bad_pen_digits_file_is_one_line(tmp_path, text, words):
    from mnist_gui.core.data import DataError
    from mnist_gui.core.handwriting.pendigits import read_unipen
    p = tmp_path / "pen.txt"
    p.write_text(text)
    with pytest.raises(DataError) as e:
        read_unipen(p)
    assert str(e.value).startswith(f"{p}: ") and words in str(e.value) and len(str(e.value)) < 250


def test_a_pen_digits_gzip_that_inflates_without_end_is_refused(tmp_path, monkeypatch):
    import gzip

    from mnist_gui.core.data import DataError
    from mnist_gui.core.handwriting import pendigits
    monkeypatch.setattr(pendigits, "MAX_UNIPEN_CHARS", 1_000_000)
    p = tmp_path / "pen.gz"
    with gzip.open(p, "wb") as f:
        for _ in range(20):
            f.write(b" " * 2**20)
    with pytest.raises(DataError) as e:
        pendigits.read_unipen(p)
    assert "more than 1,000,000 characters of text" in str(e.value)


def test_odd_model_files_are_one_line_each(tmp_path, monkeypatch):
    import io

    import torch
    legacy = io.BytesIO()
    torch.save({"format": "mnist-gui-checkpoint"}, legacy, _use_new_zipfile_serialization=False)
    (tmp_path / "legacy.pt").write_bytes(legacy.getvalue())
    (tmp_path / "zeros.pt").symlink_to("/dev/zero")
    (tmp_path / "empty.pt").write_bytes(b"")
    for name, words in (("legacy.pt", "not a readable model file"), ("zeros.pt", "not a regular file"),
                        ("empty.pt", "not a readable model file")):
        assert words in _load_error(tmp_path / name, monkeypatch)


def test_an_image_file_above_the_size_limit_is_not_read(tmp_path, monkeypatch):
    from PIL import Image
    p = tmp_path / "huge.png"
    p.write_bytes(_png(10, 10))
    os.truncate(p, 300 * 2**20)                         # sparse: takes no disk
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("the file was opened"))
    with pytest.raises(PreprocessError) as e:
        open_image(p)
    assert str(e.value) == f"{p}: is 300 MB; image files larger than 256 MB are refused"
