"""Every saved model carries its network as ONNX; the app opens it without torch and reads with it."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mnist_gui import config
from mnist_gui.core.checkpoint import open_live, save_checkpoint
from mnist_gui.core.live import LivePredictor, onnx_path_for
from mnist_gui.core.workspace import Workspace
from tests.conftest import ROOT, run_cli


def _one():
    img = np.zeros((28, 28), np.float32)
    img[4:24, 13:16] = 1.0
    return img


def test_the_shipped_onnx_is_the_export_of_the_shipped_checkpoint(shipped):
    ck = open_live(config.SHIPPED_MODEL)
    assert ck is not None and ck.model is None and ck.live.is_export_of(config.SHIPPED_MODEL)
    assert ck.name == shipped.name and ck.test_accuracy == shipped.test_accuracy
    assert ck.model_config == shipped.model_config and ck.train_config == shipped.train_config


def test_a_saved_checkpoint_opens_without_torch_and_loads_its_weights_when_asked(tmp_path, shipped):
    path = save_checkpoint(tmp_path / "m.pt", shipped.model, shipped.model_config, shipped.train_config,
                           shipped.metrics, name="mine")
    assert onnx_path_for(path).is_file()
    code = ("import sys\n"
            "from mnist_gui.core.checkpoint import open_live\n"
            "from mnist_gui.core.live import LivePredictor\n"
            "import numpy as np\n"
            f"ck = open_live({str(path)!r})\n"
            "img = np.zeros((28, 28), np.float32); img[4:24, 13:16] = 1\n"
            "print(ck.name, int(LivePredictor(ck.live).probabilities(img).argmax()), 'torch' in sys.modules)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT))
    assert r.stdout.split() == ["mine", "1", "False"], r.stdout + r.stderr
    ck = open_live(path)
    assert ck.load_model() is ck.model and ck.model is not None   # the weights, with torch, on demand


def test_a_stale_onnx_is_not_used_and_an_old_checkpoint_is_exported_once(tmp_path, shipped):
    path = save_checkpoint(tmp_path / "old.pt", shipped.model, shipped.model_config, name="old", onnx=False)
    assert not onnx_path_for(path).exists() and open_live(path) is None
    ws = Workspace(tmp_path)
    ck = ws.open_model(path)                       # opened with torch, exported beside it
    assert ck.live is not None and open_live(path) is not None
    save_checkpoint(path, shipped.model, shipped.model_config, name="changed", onnx=False)   # .pt changes
    assert open_live(path) is None                 # the .onnx beside it is not this file's export
    assert ws.open_model(path).name == "changed" and open_live(path).name == "changed"


def test_a_users_own_onnx_beside_a_model_is_never_replaced(tmp_path, shipped, caplog):
    """foo.onnx of the user's own (another network, any file) beside foo.pt: opening foo.pt, or saving a model
    as foo.pt, leaves it as it was; the model is read from an export in memory instead."""
    import shutil
    mine = tmp_path / "foo.onnx"
    for theirs in (b"my own notes, not a model", (ROOT / "resources" / "digit_gate.onnx").read_bytes()):
        mine.write_bytes(theirs)
        path = save_checkpoint(tmp_path / "foo.pt", shipped.model, shipped.model_config, name="foo")   # Save as
        assert mine.read_bytes() == theirs and open_live(path) is None
        ck = Workspace(tmp_path / "home").open_model(path)                                          # Open
        assert mine.read_bytes() == theirs
        assert ck.live is not None and ck.live.path is None      # read from an export in memory
        np.testing.assert_allclose(LivePredictor(ck.live).probabilities(_one()),
                                   LivePredictor.from_path(config.SHIPPED_MODEL.with_suffix(".onnx")).probabilities(_one()),
                                   atol=1e-5)
    assert "not an mnist-gui export" in caplog.text
    shutil.copy(config.SHIPPED_MODEL.with_suffix(".onnx"), mine)   # an export of ours, stale: replaced
    save_checkpoint(tmp_path / "foo.pt", shipped.model, shipped.model_config, name="foo")
    assert open_live(tmp_path / "foo.pt").name == "foo"


def test_the_live_model_is_read_on_onnx_runtime(tmp_path, shipped):
    ws = Workspace(tmp_path)
    ck, problems = ws.initial_checkpoint()
    assert problems == [] and ck.live is not None and ck.model is None
    ws.make_live(ck, remember=False)
    assert isinstance(ws.predictor, LivePredictor)
    probs = ws.predictor.probabilities(_one())
    assert int(probs.argmax()) == 1
    np.testing.assert_allclose(probs, shipped_probs(shipped, _one()), atol=1e-5)


def shipped_probs(shipped, img):
    from mnist_gui.core.predictor import Predictor
    return Predictor(shipped.model).probabilities(img)


def test_a_finished_run_goes_live_on_onnx_runtime_and_a_discarded_one_leaves_no_onnx(tmp_path, shipped):
    from mnist_gui.core.recipes import RECIPES
    from mnist_gui.core.train import TrainResult
    ws = Workspace(tmp_path)
    cfg = RECIPES["fast"].config
    done = ws.finish_run(TrainResult("stopped", "stopped", shipped.model, cfg, {"test_accuracy": 0.5}))
    assert done.checkpoint.live is not None and done.checkpoint.live.test_accuracy == 0.5
    onnx = onnx_path_for(done.record.model_path)
    assert onnx.is_file()
    ws.discard_run_model(done.record)
    assert not onnx.exists() and not done.record.model_path.exists()


def test_export_writes_the_onnx_and_the_readmes_three_lines_read_it(tmp_path):
    out = tmp_path / "digit.onnx"
    r = run_cli("export", "--onnx", str(out))
    assert r.returncode == 0 and out.is_file(), r.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = re.search(r"```python\n(import numpy as np, onnxruntime as ort\n.*?)```", readme, re.S)[1]
    assert len(lines.strip().splitlines()) == 3
    image = _one()
    scope = {"image": image}
    exec(lines.replace('"digit.onnx"', repr(str(out))), scope)
    probabilities = scope["probabilities"]
    assert probabilities.shape == (1, 10) and int(probabilities.argmax()) == 1


def test_export_of_a_missing_model_is_one_line(tmp_path):
    r = run_cli("export", "--onnx", str(tmp_path / "x.onnx"), "--model", str(tmp_path / "nope.pt"))
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_predict_needs_no_torch(tmp_path):
    from PIL import Image
    Image.fromarray((_one() * 255).astype(np.uint8)).save(tmp_path / "one.png")
    code = ("import sys\nfrom mnist_gui.cli import main\n"
            f"code = main(['predict', {str(tmp_path / 'one.png')!r}])\n"
            "print('torch' in sys.modules, code)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT))
    assert ": 1 (" in r.stdout and r.stdout.split()[-2:] == ["False", "0"], r.stdout + r.stderr


def test_open_live_refuses_what_is_not_a_pair(tmp_path):
    (tmp_path / "x.pt").write_bytes(b"not a model")
    (tmp_path / "x.onnx").write_bytes(b"not onnx")
    assert open_live(tmp_path / "x.pt") is None and open_live(tmp_path / "missing.pt") is None


def test_the_number_reader_needs_no_torch():
    """Number reading on the live path: the digit network and the whole-digit judge on ONNX Runtime."""
    code = ("import sys\n"
            "from mnist_gui.core.checkpoint import open_live\n"
            "from mnist_gui.core.live import LivePredictor\n"
            "from mnist_gui.core.reading import Reader, ReadingModels\n"
            "from mnist_gui import config\n"
            "models = ReadingModels()\n"
            "reader = Reader(LivePredictor(open_live(config.SHIPPED_MODEL).live), models)\n"
            "reading = reader.read_number([[(10, 10), (10, 110)], [(80, 10), (80, 110)]])\n"
            "print(reading.number.text, models.judge is not None, 'torch' in sys.modules)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT))
    assert r.stdout.split() == ["11", "True", "False"], r.stdout + r.stderr


def test_weights_load_with_their_history_and_a_file_changed_since_is_refused(tmp_path, shipped):
    from mnist_gui.core.checkpoint import CheckpointError
    path = save_checkpoint(tmp_path / "a.pt", shipped.model, shipped.model_config, shipped.train_config,
                           shipped.metrics, shipped.history, name="a")
    ck = open_live(path)
    assert ck.history == {} and ck.load_model() is not None and ck.history == shipped.history
    ck = open_live(path)
    save_checkpoint(path, shipped.model, shipped.model_config, name="someone else's", onnx=False)
    with pytest.raises(CheckpointError, match="changed on disk"):
        ck.load_model()                             # not read as the model the window shows


@pytest.mark.slow
def test_deleting_the_live_models_run_keeps_its_weights(tmp_path, shipped):
    from mnist_gui.core.recipes import RECIPES
    from mnist_gui.core.train import TrainResult
    ws = Workspace(tmp_path)
    done = ws.finish_run(TrainResult("finished", "done", shipped.model, RECIPES["fast"].config,
                                     {"test_accuracy": 0.9}))
    ck = ws.open_model(done.record.model_path)     # opened without torch: no weights in memory yet
    ws.make_live(ck, remember=False)
    assert ck.model is None
    ws.delete_run(done.record)
    assert not done.record.model_path.exists() and ck.model is not None
    assert ws.save_model(ws.checkpoint, tmp_path / "kept.pt").is_file()


def test_deleting_the_live_models_run_keeps_its_weights_when_opened_through_a_link(tmp_path, shipped):
    """The live model opened by another spelling of its path (a link to the app folder, '..'): its run is still
    known as the live model's, so its weights are read before its folder goes."""
    ws = Workspace(tmp_path / "home")
    (tmp_path / "link").symlink_to(ws.home, target_is_directory=True)
    for spelling in (lambda rec: tmp_path / "link" / "runs" / rec.id / "model.pt",
                     lambda rec: rec.folder / ".." / rec.id / "model.pt"):
        rec = ws.runs.record("finished", {"preset": shipped.model_config.preset}, {}, {}, 1.0,
                             lambda p: save_checkpoint(p, shipped.model, shipped.model_config, name="r"))
        ck = ws.open_model(spelling(rec))              # opened without torch: no weights in memory yet
        ws.make_live(ck, remember=False)
        assert ck.model is None
        ws.delete_run(rec)
        assert not rec.model_path.exists() and ck.model is not None


def test_a_folder_that_refuses_the_export_still_opens_the_model(tmp_path, shipped, monkeypatch):
    """A read-only folder: the .onnx cannot be written (nor a stale one removed); the model is exported in
    memory and read on ONNX Runtime all the same."""
    from mnist_gui.core import onnx_export
    path = save_checkpoint(tmp_path / "ro.pt", shipped.model, shipped.model_config, name="ro", onnx=False)

    def refuse(*_a, **_k):
        raise PermissionError(13, "Read-only file system")
    monkeypatch.setattr(onnx_export, "atomic_write_bytes", refuse)
    monkeypatch.setattr(Path, "unlink", refuse)
    ck = Workspace(tmp_path).open_model(path)
    assert ck.live is not None and not onnx_path_for(path).exists()


def test_a_fifo_or_folder_in_place_of_an_onnx_model_is_refused_not_waited_on(tmp_path):
    """Hostile state: a FIFO where model.onnx should be is refused at once (an open() of it would wait for a
    writer for ever); so are a folder and a link to a FIFO; the error is one line naming the file."""
    import os

    import pytest

    from mnist_gui.core.live import OnnxModel, OnnxModelError, checked_session
    fifo = tmp_path / "model.onnx"
    os.mkfifo(fifo)
    with pytest.raises(OnnxModelError, match="FIFO|fifo|pipe"):
        OnnxModel.from_path(fifo)
    link = tmp_path / "link.onnx"
    link.symlink_to(fifo)
    with pytest.raises(OnnxModelError):
        OnnxModel.from_path(link)
    with pytest.raises(ValueError, match="model.onnx"):
        checked_session(fifo, ["x"], ["y"], "a gate")
    (tmp_path / "dir.onnx").mkdir()
    with pytest.raises(OnnxModelError, match="folder"):
        OnnxModel.from_path(tmp_path / "dir.onnx")


def test_the_checksum_of_a_fifo_checkpoint_is_refused_not_waited_on(tmp_path):
    """is_export_of hashes the checkpoint beside model.onnx: a FIFO there is refused at once."""
    import os

    import pytest

    from mnist_gui.core.live import file_sha256
    from mnist_gui.core.storage import StateFileError
    os.mkfifo(tmp_path / "model.pt")
    with pytest.raises(StateFileError):
        file_sha256(tmp_path / "model.pt")
    (tmp_path / "real.pt").write_bytes(b"abc")
    assert file_sha256(tmp_path / "real.pt") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
