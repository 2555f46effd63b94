"""Nothing written where it should not be, and every state file checked before it is read (issue 32).

One writer (core/storage.py atomic_write_bytes, open_append) never follows a link and never replaces what is
not a regular file; one bounded reader (read_state_file) checks a file's type and size before a byte is
read. Links are tested with a link to a regular file in tmp_path (never a device: a writer that follows a
link would replace it).
"""

from __future__ import annotations

import json
import os
import threading

import numpy as np
import pytest

from mnist_gui import cli
from mnist_gui.core import storage
from mnist_gui.core.mydigits import MyDigits, MyDigitsError
from mnist_gui.core.settings import IniStore, Settings
from mnist_gui.core.storage import StateFileError, UnsafeDestination


@pytest.fixture
def linked(tmp_path):
    """A file of someone else's (the target) and a link to it where the app would write."""
    target = tmp_path / "not-ours.txt"
    target.write_text("precious\n")
    link = tmp_path / "app" / "file"
    link.parent.mkdir()
    link.symlink_to(target)
    return link, target


def _one_line(e) -> str:
    text = str(e)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_the_writer_never_writes_through_a_link(linked):
    link, target = linked
    with pytest.raises(UnsafeDestination) as e:
        storage.atomic_write_bytes(link, b"overwritten")
    assert "symbolic link" in _one_line(e.value) and str(link) in str(e.value)
    assert target.read_text() == "precious\n" and link.is_symlink()
    assert [p.name for p in link.parent.iterdir()] == ["file"]   # no temp file left


def test_the_writer_refuses_a_fifo_and_a_folder(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UnsafeDestination, match="a FIFO, not a regular file"):
        storage.atomic_write_bytes(fifo, b"x")
    (tmp_path / "folder").mkdir()
    with pytest.raises(UnsafeDestination, match="a folder, not a regular file"):
        storage.write_text(tmp_path / "folder", "x")
    storage.write_text(tmp_path / "plain", "ok")   # a regular file (or none) is written
    assert (tmp_path / "plain").read_text() == "ok"


def test_appending_never_follows_a_link_or_blocks_on_a_fifo(linked, tmp_path):
    link, target = linked
    with pytest.raises(UnsafeDestination, match="symbolic link"):
        storage.open_append(link)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UnsafeDestination, match="FIFO"):
        storage.open_append(fifo)
    with pytest.raises(UnsafeDestination, match="FIFO"):
        with storage.file_lock(fifo):
            pass
    assert target.read_text() == "precious\n"


def test_the_reader_checks_type_and_size_before_reading(linked, tmp_path):
    link, _ = linked
    with pytest.raises(StateFileError, match="symbolic link"):
        storage.read_state_file(link, 1000)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(StateFileError, match="FIFO"):   # at once: nothing waits for a writer
        storage.read_state_file(fifo, 1000)
    sparse = tmp_path / "sparse"
    with open(sparse, "wb") as f:
        f.truncate(7 * 10**9)          # 7 GB that take no disk: refused from its size, nothing read
    with pytest.raises(StateFileError, match="too large"):
        storage.read_state_file(sparse, 10**6)
    with pytest.raises(FileNotFoundError):
        storage.read_state_file(tmp_path / "none", 10)


def test_set_aside_moves_only_regular_files(linked, tmp_path):
    link, target = linked
    assert storage.set_aside(link) is None and link.is_symlink()
    bad = tmp_path / "bad.json"
    bad.write_text("x")
    aside = storage.set_aside(bad)
    assert aside is not None and aside.name.startswith("bad.json.bad-") and aside.read_text() == "x"
    assert not bad.exists()


def test_install_desktop_never_writes_through_a_link(linked, tmp_path, monkeypatch, capsys):
    from mnist_gui import desktop
    link, target = linked
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    dest = next(d for d in desktop.targets(tmp_path / "share") if d.name.endswith(".desktop"))
    dest.parent.mkdir(parents=True)
    dest.symlink_to(target)
    assert cli.main(["install-desktop"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "symbolic link" in err and str(dest) in err
    assert target.read_text() == "precious\n" and dest.is_symlink()
    assert cli.main(["install-desktop", "--uninstall"]) == 0   # removes what it wrote, never the link
    assert dest.is_symlink() and target.read_text() == "precious\n"


def test_settings_never_written_through_a_link(linked):
    link, target = linked
    store = IniStore(link)
    s = Settings(store, name=str(link))
    assert s.problems and "symbolic link" in s.problems[0] and "memory" in s.problems[0]
    s.set("draw/penWidth", 30)
    s.sync()
    assert s.get("draw/penWidth") == 30      # kept in memory for this session
    assert target.read_text() == "precious\n" and link.is_symlink()


def test_a_settings_fifo_is_not_waited_for(tmp_path):
    fifo = tmp_path / "settings.ini"
    os.mkfifo(fifo)
    got = {}
    t = threading.Thread(target=lambda: got.setdefault("store", IniStore(fifo)), daemon=True)
    t.start()
    t.join(30)
    assert "store" in got, "reading a FIFO settings file blocked"
    assert "FIFO" in got["store"].problems[0]


def test_an_oversized_settings_file_is_set_aside(tmp_path):
    path = tmp_path / "settings.ini"
    with open(path, "wb") as f:
        f.truncate(2 * 10**9)
    s = Settings(IniStore(path), name=str(path))
    assert len(s.problems) == 1 and "too large" in s.problems[0] and ".bad-" in s.problems[0]
    assert not path.exists() and len(list(tmp_path.glob("settings.ini.bad-*"))) == 1
    s.set("draw/penWidth", 20)
    s.sync()
    assert IniStore(path).value("draw/penWidth") == "20"


def test_settings_round_trip_in_qt_format(tmp_path):
    path = tmp_path / "settings.ini"
    geometry = bytes(range(256)) + b"1a,;="
    store = IniStore(path)
    store.setValue("window/geometry", geometry)
    store.setValue("data/dir", '/home/a b/數字,x\\y "q"')
    store.setValue("draw/numberMode", True)
    store.setValue("view/language", "@odd")
    store.sync()
    again = IniStore(path)
    assert again.value("window/geometry") == geometry
    assert again.value("data/dir") == '/home/a b/數字,x\\y "q"'
    assert again.value("draw/numberMode") == "true" and again.value("view/language") == "@odd"


def test_a_huge_kept_network_draft_is_ignored_at_once(tmp_path):
    layer = {"kind": "conv", "filters": 8, "kernel": 3}
    path = tmp_path / "settings.ini"
    path.write_text("[model]\ndraft=" + json.dumps([layer] * 40_000).replace('"', '\\"').join('""') + "\n")
    s = Settings(IniStore(path), name=str(path))
    assert s.get("model/draft") == ""
    assert len(s.problems) == 1 and "[model] draft=" in s.problems[0]


def test_my_digits_as_a_link_or_huge_file_starts_empty_and_says_why(linked, tmp_path):
    link, target = linked
    my = MyDigits(link)
    assert len(my) == 0 and "symbolic link" in my.problem
    with pytest.raises(MyDigitsError, match="symbolic link"):
        my.add(3, np.zeros((28, 28), np.float32))
    assert target.read_text() == "precious\n"

    big = tmp_path / "my_digits.jsonl"
    with open(big, "wb") as f:
        f.truncate(300 * 2**20)     # sparse: above the limit, refused without reading it
    my = MyDigits(big)
    assert len(my) == 0 and "too large" in my.problem and ".bad-" in my.problem
    my.add(3, np.zeros((28, 28), np.float32))   # teaching starts a fresh file; the old one is kept aside
    assert len(MyDigits(big)) == 1 and len(list(tmp_path.glob("my_digits.jsonl.bad-*"))) == 1


def test_an_app_folder_that_is_a_file_is_one_line(tmp_path):
    home = tmp_path / "home"
    home.write_text("not a folder")
    assert storage.folder_problem(home) == f"{home} is a file, not a folder"
    assert storage.folder_problem(tmp_path) is None and storage.folder_problem(tmp_path / "none") is None
    store = IniStore(home / "settings.ini")
    store.setValue("draw/penWidth", 20)
    store.sync()                                  # not writable: nothing tried, nothing raised
    assert home.read_text() == "not a folder"


def _looping_model() -> bytes:
    """An .onnx with the shipped model's inputs, outputs and metadata whose graph runs a Loop of 10^12
    iterations before its outputs: opened, it would read nothing, for ever."""
    import onnx
    from onnx import TensorProto, helper

    from mnist_gui import config
    shipped = onnx.load(str(config.resource_path("shipped_model.onnx")))
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond"], ["cond_out"]), helper.make_node("Identity", ["x"], ["x_out"])],
        "body", [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                 helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
                 helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("x_out", TensorProto.FLOAT, None)])
    nodes = [
        helper.make_node("Constant", [], ["n"], value=helper.make_tensor("n", TensorProto.INT64, [], [10**12])),
        helper.make_node("Constant", [], ["t"], value=helper.make_tensor("t", TensorProto.BOOL, [], [True])),
        helper.make_node("Constant", [], ["w"], value=helper.make_tensor("w", TensorProto.FLOAT, [784, 10],
                                                                          [0.0] * 7840)),
        helper.make_node("Flatten", ["image"], ["flat"]),
        helper.make_node("Loop", ["n", "t", "flat"], ["looped"], body=body),
        helper.make_node("MatMul", ["looped", "w"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(nodes, "looping", [shipped.graph.input[0]],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10]),
                               helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 10])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = shipped.ir_version
    model.metadata_props.extend(shipped.metadata_props)
    return model.SerializeToString()


def test_a_graph_with_an_operator_our_exports_never_write_is_not_run(tmp_path):
    from mnist_gui.core.live import OnnxModel, OnnxModelError, check_operators, checked_session
    data = _looping_model()
    with pytest.raises(OnnxModelError) as e:
        OnnxModel.from_bytes(data, source="model.onnx")
    assert "'Loop'" in _one_line(e.value) and "model.onnx" in str(e.value)
    path = tmp_path / "gate.onnx"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="'Loop'"):
        checked_session(path, ["image"], ["logits", "probabilities"], "a digit gate")
    from mnist_gui import config
    for name in ("shipped_model", "digit_gate", "path_gate", "number_judge", "trajectory"):   # ours pass
        check_operators(config.resource_path(f"{name}.onnx").read_bytes())


@pytest.mark.slow
def test_every_layer_kind_exports_to_allowed_operators():
    import onnx

    from mnist_gui.core.live import ALLOWED_OPERATORS
    from mnist_gui.core.models import build_model
    from mnist_gui.core.onnx_export import export_onnx
    from mnist_gui.core.presets import ModelConfig
    from tests.core.test_onnx import EVERY_KIND, RANDOM_SPECS
    for spec in (EVERY_KIND, *RANDOM_SPECS):
        mc = ModelConfig(spec=spec.to_list())
        ops = {n.op_type for n in onnx.load_from_string(export_onnx(build_model(mc).eval(), mc)).graph.node}
        assert ops <= ALLOWED_OPERATORS, ops - ALLOWED_OPERATORS


def test_an_architecture_fifo_or_device_link_is_refused_before_reading(tmp_path, linked):
    from mnist_gui.core.presets import tf_tutorial_spec
    from mnist_gui.core.spec import SpecError, load_spec_file, save_spec_file
    fifo = tmp_path / "arch.json"
    os.mkfifo(fifo)
    with pytest.raises(SpecError, match="a FIFO, not a regular file"):   # at once, not waiting for a writer
        load_spec_file(fifo)
    link, target = linked
    with pytest.raises(UnsafeDestination):                                 # saving never writes through it
        save_spec_file(link, tf_tutorial_spec())
    assert target.read_text() == "precious\n"
    own = tmp_path / "mine.json"
    save_spec_file(own, tf_tutorial_spec())
    (tmp_path / "link.json").symlink_to(own)                               # a user's own link is read
    assert load_spec_file(tmp_path / "link.json") == tf_tutorial_spec()


def test_an_idx_fifo_or_device_link_is_refused_not_waited_for(tmp_path):
    """An IDX file (raw or .gz) that is a FIFO or a link to /dev/zero: one DataError at once. Before, opening
    the FIFO waited for ever, and read_idx_cached hashed /dev/zero for ever before reading the header."""
    from mnist_gui.core.data import DataError, idx_dims, read_idx, read_idx_cached
    for name in ("train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"):
        os.mkfifo(tmp_path / name)
        for read in (idx_dims, read_idx, read_idx_cached):
            with pytest.raises(DataError, match="is a FIFO, not a regular file"):
                read(tmp_path / name)
    (tmp_path / "zero-idx1-ubyte").symlink_to("/dev/zero")   # read only: nothing here writes
    for read in (idx_dims, read_idx, read_idx_cached):
        with pytest.raises(DataError, match="is a device, not a regular file"):
            read(tmp_path / "zero-idx1-ubyte")


def test_an_idx_file_larger_than_its_header_is_refused_before_it_is_hashed(tmp_path, monkeypatch):
    """read_idx_cached checks the header and the file's size before hashing it (a sparse 20 GB file with a
    small header was read whole to hash it); a .gz larger than its data stored uncompressed is refused too."""
    import gzip
    import struct

    from mnist_gui.core import data
    head = struct.pack(">BBBBI", 0, 0, 8, 1, 10)
    raw = tmp_path / "t10k-labels-idx1-ubyte"
    with open(raw, "wb") as f:
        f.write(head + bytes(10))
        f.truncate(1 << 30)   # sparse: no disk used
    big_gz = tmp_path / "train-labels-idx1-ubyte.gz"
    big_gz.write_bytes(gzip.compress(head + bytes(10)) + bytes(2 << 20))
    hashed = []
    monkeypatch.setattr(data.hashlib, "sha256", lambda: hashed.append(1))   # never reached
    with pytest.raises(data.DataError, match="unexpected bytes after the data"):
        data.read_idx_cached(raw)
    with pytest.raises(data.DataError, match="more than a gzip"):
        data.read_idx_cached(big_gz)
    assert not hashed


def test_a_checkpoint_or_judge_fifo_or_device_link_is_refused_not_waited_for(tmp_path):
    """A model .pt or a judge .pt that is a FIFO (or a link to one, or to /dev/zero): one line at once, the
    file opened once through the bounded reader. Before, torch.load of a judge FIFO waited for ever."""
    from mnist_gui.core.checkpoint import CheckpointError, load_checkpoint
    from mnist_gui.core.handwriting.judge_net import load_judge
    os.mkfifo(tmp_path / "fifo.pt")
    (tmp_path / "to-fifo.pt").symlink_to(tmp_path / "fifo.pt")
    (tmp_path / "zero.pt").symlink_to("/dev/zero")   # read only: nothing here writes
    for name, kind in (("fifo.pt", "a FIFO"), ("to-fifo.pt", "a FIFO"), ("zero.pt", "a device")):
        with pytest.raises(CheckpointError, match=f"is {kind}, not a regular file"):
            load_checkpoint(tmp_path / name)
        with pytest.raises(ValueError, match=f"is {kind}, not a regular file") as e:
            load_judge(tmp_path / name)
        _one_line(e.value)


def test_a_checkpoint_larger_than_a_run_may_use_or_a_huge_judge_is_refused_unread(tmp_path, monkeypatch):
    from mnist_gui.core import limits
    from mnist_gui.core.checkpoint import CheckpointError, load_checkpoint
    from mnist_gui.core.handwriting import judge_net
    huge = tmp_path / "huge.pt"
    with open(huge, "wb") as f:
        f.truncate(judge_net.MAX_JUDGE_BYTES + 1)   # sparse
    monkeypatch.setattr(limits, "usable_bytes", lambda: judge_net.MAX_JUDGE_BYTES)
    with pytest.raises(CheckpointError, match="too large"):
        load_checkpoint(huge)
    with pytest.raises(ValueError, match="too large"):
        judge_net.load_judge(huge)


def test_a_pen_digits_fifo_or_device_link_is_refused_not_waited_for(tmp_path):
    """`train --extra-pendigits FIFO` waited for ever in open(); now one DataError at once, raw or .gz."""
    from mnist_gui.core.data import DataError
    from mnist_gui.core.handwriting.pendigits import read_unipen
    for name in ("pen.txt", "pen.gz"):
        os.mkfifo(tmp_path / name)
        with pytest.raises(DataError, match="is a FIFO, not a regular file"):
            read_unipen(tmp_path / name)
    (tmp_path / "zero.txt").symlink_to("/dev/zero")   # read only: nothing here writes
    with pytest.raises(DataError, match="is a device, not a regular file"):
        read_unipen(tmp_path / "zero.txt")
    with pytest.raises(DataError, match="file not found"):
        read_unipen(tmp_path / "none.txt")


def test_a_decoded_cache_that_is_a_fifo_or_a_link_is_skipped_and_left(tmp_path):
    """A FIFO (np.load waited for ever) or a link in place of the .npy cache of an IDX file: the source is
    decoded again, and what is there is neither followed nor removed."""
    import struct

    from mnist_gui.core import data
    src = tmp_path / "t10k-labels-idx1-ubyte"
    src.write_bytes(struct.pack(">BBBBI", 0, 0, 8, 1, 3) + bytes([1, 2, 3]))
    sha = data._sha256_16(src)
    fifo = tmp_path / f"{src.name}.{sha}.00000000.npy"
    os.mkfifo(fifo)
    other = tmp_path / "not-ours.npy"
    np.save(other, np.array([9, 9, 9], np.uint8))
    link = tmp_path / f"{src.name}.{sha}.11111111.npy"
    link.symlink_to(other)
    assert data._cached(tmp_path, src, sha) is None
    assert fifo.exists() and link.is_symlink() and np.load(other).tolist() == [9, 9, 9]
    # a new cache written beside them (the source decoded again) leaves them as they are, and removes only
    # a stale cache of its own (a regular file)
    stale = tmp_path / f"{src.name}.{sha}.22222222.npy"
    np.save(stale, np.array([1, 2, 3], np.uint8))
    assert data.read_idx_cached(src).tolist() == [1, 2, 3]
    assert fifo.exists() and link.is_symlink() and np.load(other).tolist() == [9, 9, 9]
    assert not stale.exists() and len(list(tmp_path.glob(f"{src.name}.{sha}.*.npy"))) == 3


def test_opening_a_model_never_removes_a_link_or_fifo_where_its_onnx_would_go(linked, tmp_path):
    """Opening an older model (no .onnx beside it: `predict --model`, File → Open model) exports its network
    and writes <name>.onnx beside it. A link or a FIFO already there is refused by the writer, and must then
    be left as it is: before, the clean-up after the refusal deleted it."""
    from mnist_gui.core.checkpoint import load_checkpoint, save_checkpoint, with_live
    from mnist_gui.core.models import ModelConfig, build_model
    link, target = linked
    cfg = ModelConfig("fast-bn")
    for name in ("linked.pt", "fifo.pt"):
        pt = save_checkpoint(tmp_path / name, build_model(cfg).eval(), cfg, onnx=False)
        onnx = pt.with_suffix(".onnx")
        if name == "linked.pt":
            onnx.symlink_to(target)
        else:
            os.mkfifo(onnx)
        ck = with_live(load_checkpoint(pt))
        assert ck.live is not None                       # exported in memory: the model still reads
        assert os.path.lexists(onnx), f"{onnx.name} was removed"
        assert onnx.is_symlink() if name == "linked.pt" else stat_is_fifo(onnx)
    assert target.read_text() == "precious\n" and link.is_symlink()


def stat_is_fifo(path) -> bool:
    import stat
    return stat.S_ISFIFO(os.lstat(path).st_mode)


def test_a_path_into_a_folder_that_does_not_exist_is_refused_in_one_line_and_no_folder_is_made(tmp_path, shipped):
    """A typo in a folder the user names (train --out, Save model as, Export, --arch-out) is said, naming the
    folder, and nothing is made; the app's own folders (settings, Save model as's models/) are made."""
    from mnist_gui.core.checkpoint import CheckpointError, export_onnx_file, save_checkpoint
    from mnist_gui.core.live import OnnxModelError
    from mnist_gui.core.presets import tf_tutorial_spec
    from mnist_gui.core.spec import save_spec_file
    from mnist_gui.core.workspace import Workspace
    typo = tmp_path / "typo"
    missing = typo / "dir"
    with pytest.raises(storage.MissingFolder) as e:
        storage.atomic_write_bytes(missing / "m.pt", b"x")
    assert f"the folder {missing} does not exist" in _one_line(e.value)
    with pytest.raises(storage.MissingFolder, match="does not exist"):
        save_spec_file(missing / "net.json", tf_tutorial_spec())
    with pytest.raises(CheckpointError) as e:
        save_checkpoint(missing / "m.pt", shipped.model, shipped.model_config)
    assert str(missing) in _one_line(e.value)
    with pytest.raises(OnnxModelError, match="does not exist"):
        export_onnx_file(shipped, missing / "m.onnx")
    home = tmp_path / "home"
    ws = Workspace(home, settings=Settings(IniStore(home / "settings.ini"), name=str(home / "settings.ini")))
    with pytest.raises(CheckpointError, match="does not exist"):
        ws.save_model(shipped, missing / "m.pt")
    assert not typo.exists()
    ws.settings.set("draw/penWidth", 20)   # the app folder's own files: their folders are made
    ws.settings.sync()
    assert (home / "settings.ini").is_file() and not ws.settings.problems
    assert ws.save_model(shipped, ws.models_dir / "mine.pt").is_file()
    storage.atomic_write_bytes(missing / "made.bin", b"x", make_folder=True)
    assert (missing / "made.bin").read_bytes() == b"x"
