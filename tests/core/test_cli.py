import json
import signal
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from mnist_gui import config
from tests.conftest import ROOT, mnist_dir, run_cli


@pytest.mark.slow
def test_no_args_help_and_bad_args():
    r = run_cli("--help")
    assert r.returncode == 0 and "train" in r.stdout and "predict" in r.stdout
    r = run_cli("train", "--epochs", "banana")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    r = run_cli("train", "--lr", "-3", "--json")
    assert r.returncode == 2 and "learning rate" in r.stderr and "Traceback" not in r.stderr and r.stdout == ""


@pytest.mark.slow
def test_train_json_and_evaluate_json(tmp_path):
    out = tmp_path / "m.pt"
    r = run_cli("train", "--preset", "fast-bn", "--lr", "0.01", "--train-size", "2000", "--epochs", "2",
                "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["accuracy"] > 0.6 and len(res["per_class"]) == 10 and res["seconds"] > 0
    assert out.exists() and res["model"] == str(out)
    r = run_cli("evaluate", "--model", str(out), "--json")
    assert r.returncode == 0, r.stderr
    ev = json.loads(r.stdout)
    assert abs(ev["accuracy"] - res["accuracy"]) < 1e-9
    assert sum(map(sum, ev["confusion"])) == 10000 and len(ev["per_class"]) == 10


@pytest.mark.slow
def test_evaluate_shipped_text():
    r = run_cli("evaluate")
    assert r.returncode == 0, r.stderr
    assert "test accuracy" in r.stdout and "confusion matrix" in r.stdout
    assert (r.stdout + r.stderr).count(str(config.SHIPPED_MODEL)) == 1     # the model is named once


@pytest.mark.slow
def test_evaluate_bad_model_and_missing_data(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"junk" * 100)
    r = run_cli("evaluate", "--model", str(bad))
    assert r.returncode == 2 and "bad.pt" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("evaluate", "--data-dir", str(tmp_path / "empty"))
    assert r.returncode == 2 and "MNIST not found" in r.stderr and "Traceback" not in r.stderr
    assert "download" not in r.stderr.lower()     # a named folder is never a reason to download


def test_predict_images(tmp_path, mnist):
    files = []
    for i in range(3):
        img = mnist.test.images[i].numpy()
        if i == 1:  # dark ink on light paper, bigger
            img = 255 - np.kron(img, np.ones((5, 5), np.uint8))
        p = tmp_path / f"digit{i}.png"
        Image.fromarray(img).save(p)
        files.append(str(p))
    (tmp_path / "broken.png").write_bytes(b"nope")
    r = run_cli("predict", *files, "--json")
    assert r.returncode == 0, r.stderr
    preds = json.loads(r.stdout)["predictions"]
    assert [p["file"] for p in preds] == files
    assert [p["digit"] for p in preds] == mnist.test.labels[:3].tolist()
    assert all(abs(sum(p["probabilities"]) - 1) < 1e-4 for p in preds)
    assert all(p["verdict"] == "sure" and p["closest"] == p["digit"] for p in preds)
    r = run_cli("predict", files[0], str(tmp_path / "broken.png"))
    assert r.returncode == 2 and "broken.png: not a readable image" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout.startswith(files[0])


def test_summary():
    r = run_cli("summary", "--json")
    assert r.returncode == 0
    layers = json.loads(r.stdout)["layers"]
    assert [tuple(x["output_shape"]) for x in layers if x["name"] in ("conv1", "pool1", "conv2", "pool2")] == \
        [(28, 28, 32), (14, 14, 32), (14, 14, 64), (7, 7, 64)]
    assert mnist_dir() is not None


@pytest.mark.slow
def test_train_with_pen_digits_of_chosen_writers(tmp_path):
    from tests.conftest import SHARED_PENDIGITS
    r = run_cli("train", "--pen-variants", "2", "--max-steps", "1")
    assert r.returncode == 2 and "need --extra-pendigits" in r.stderr and "Traceback" not in r.stderr
    if not SHARED_PENDIGITS.exists():
        return
    r = run_cli("train", "--extra-pendigits", str(SHARED_PENDIGITS), "--pen-writers", "banana")
    assert r.returncode == 2 and "--pen-writers" in r.stderr and r.stderr.count("\n") == 1
    r = run_cli("train", "--extra-pendigits", str(SHARED_PENDIGITS), "--pen-writers", "400-401")
    assert r.returncode == 2 and "no pen-drawn digits of writers 400-401" in r.stderr
    assert "loading MNIST" not in r.stderr                       # refused before anything slow
    out = tmp_path / "m.pt"
    r = run_cli("train", "--preset", "fast-bn", "--train-size", "500", "--max-steps", "3",
                "--extra-pendigits", str(SHARED_PENDIGITS), "--pen-writers", "1-2", "--pen-variants", "2",
                "--out", str(out), "--no-progress")
    assert r.returncode == 0, r.stderr
    n = sum(1 for _ in _pen_digits_of(SHARED_PENDIGITS, {1, 2}))
    assert f"adding {2 * n:,} pen-drawn digit images ({n:,} digits of writers 1-2)" in r.stderr and out.exists()
    from mnist_gui.core.checkpoint import load_checkpoint
    assert load_checkpoint(out).train_config["pen_writers"] == "1-2"
    # fine-tuning keeps what the weights have seen, and adds what it shows them
    out2, out3 = tmp_path / "m2.pt", tmp_path / "m3.pt"
    r = run_cli("train", "--init", str(out), "--train-size", "500", "--max-steps", "1", "--out", str(out2),
                "--no-progress")
    assert r.returncode == 0, r.stderr
    assert load_checkpoint(out2).train_config["pen_writers"] == "1-2"
    r = run_cli("train", "--init", str(out2), "--train-size", "500", "--max-steps", "1", "--out", str(out3),
                "--extra-pendigits", str(SHARED_PENDIGITS), "--pen-writers", "5", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert load_checkpoint(out3).train_config["pen_writers"] == "1-2,5"


def _pen_digits_of(path, writers):
    from mnist_gui.core.handwriting.pendigits import read_unipen
    return [d for d in read_unipen(path) if d.writer in writers]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_stops_train_like_the_windows_close(_isolated_home, sig):
    """Ctrl-C, `kill` or the terminal closing while `train` trains: the stopped run is recorded with its model
    (as the window's close records it), and the command ends with one line and 128 + the signal."""
    proc = subprocess.Popen([sys.executable, "-m", "mnist_gui", "train", "--preset", "fast-bn", "--train-size",
                             "500", "--epochs", "50", "--no-progress"], cwd=str(ROOT), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        lines = []
        for line in proc.stderr:   # it has trained: its first epoch ended
            lines.append(line)
            if line.startswith("epoch 1/"):
                break
        assert lines and lines[-1].startswith("epoch 1/"), "".join(lines)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + sig, err
    said = [line for line in err.splitlines() if line.startswith("mnist-gui")]
    assert len(said) == 1 and said[0].startswith(f"mnist-gui: {sig.name}: stopped at step"), err
    assert "Traceback" not in err and out == "", err
    folders = list((_isolated_home / "runs").glob("*/run.json"))
    assert [json.loads(p.read_text())["status"] for p in folders] == ["stopped"]
    assert (folders[0].parent / "model.pt").is_file() and said[0].endswith(f"recorded as run {folders[0].parent.name}")


@pytest.mark.slow
def test_train_says_before_training_that_its_run_cannot_be_recorded(tmp_path):
    """MNIST_GUI_HOME pointing at a file: one line, before MNIST loads or anything trains."""
    home = tmp_path / "home"
    home.write_text("not a folder")
    r = run_cli("train", "--preset", "fast-bn", "--max-steps", "2", env={"MNIST_GUI_HOME": str(home)})
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(f"mnist-gui: error: cannot record runs in {home / 'runs'}: "), r.stderr
    assert "MNIST" not in r.stderr and "training on" not in r.stderr


def _digit_png(tmp_path) -> str:
    img = np.zeros((28, 28), np.uint8)
    img[4:24, 12:16] = 255      # a 1
    Image.fromarray(img).save(tmp_path / "one.png")
    return str(tmp_path / "one.png")


def test_predict_names_its_model_and_reads_the_windows_live_one_unless_model_is_given(tmp_path, _isolated_home):
    import shutil

    from mnist_gui import config
    live = tmp_path / "mine" / "model.pt"
    live.parent.mkdir()
    shutil.copy(config.SHIPPED_MODEL, live)
    shutil.copy(config.SHIPPED_MODEL.with_suffix(".onnx"), live.with_suffix(".onnx"))
    png = _digit_png(tmp_path)
    r = run_cli("predict", png)
    assert r.returncode == 0, r.stderr
    assert f"model: {config.SHIPPED_MODEL}, from the shipped model" in r.stderr
    _isolated_home.mkdir(parents=True, exist_ok=True)
    (_isolated_home / "settings.ini").write_text(f"[model]\npath={live}\n")   # as the window writes it
    r = run_cli("predict", png)
    assert r.returncode == 0 and f"model: {live}, from the window's live model" in r.stderr, r.stderr
    assert json.loads(run_cli("predict", png, "--json").stdout)["model"] == str(live)
    r = run_cli("predict", png, "--model", str(config.SHIPPED_MODEL))
    assert r.returncode == 0 and f"model: {config.SHIPPED_MODEL}, from --model" in r.stderr, r.stderr
    r = run_cli("export", "--onnx", str(tmp_path / "out.onnx"), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["model"] == str(live), r.stderr


def test_not_an_image_is_exit_code_2_and_help_names_the_formats(tmp_path):
    (tmp_path / "notes.txt").write_text("not an image")
    r = run_cli("predict", str(tmp_path / "notes.txt"))
    assert r.returncode == 2 and r.stderr.count("mnist-gui: error:") == 1 and "Traceback" not in r.stderr
    r = run_cli("predict", "--help")
    assert r.returncode == 0 and all(f in r.stdout for f in ("PNG", "JPEG", "BMP", "GIF", "WebP", "TIFF"))


def test_export_into_a_missing_folder_is_refused_and_creates_nothing(tmp_path):
    r = run_cli("export", "--onnx", str(tmp_path / "no" / "such" / "m.onnx"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "does not exist" in r.stderr, r.stderr
    assert not (tmp_path / "no").exists()


def test_a_file_into_a_missing_folder_is_one_line_before_any_work_and_makes_nothing(tmp_path):
    """train --out and summary --arch-out with a typo in the folder: one line naming it, exit code 2, no
    training, no folder made."""
    typo = tmp_path / "typo"
    for args in (("train", "--max-steps", "1", "--out", str(typo / "dir" / "m.pt")),
                 ("summary", "--arch-out", str(typo / "dir" / "net.json"))):
        r = run_cli(*args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
        assert f"the folder {typo / 'dir'} does not exist" in r.stderr and "mnist-gui: error:" in r.stderr
        assert not typo.exists() and not (tmp_path / "home" / "runs").exists()
    # a folder named as the file: refused before training too (it trained its whole budget, then "cannot save", exit 0)
    folder = tmp_path / "models"
    folder.mkdir()
    for args in (("train", "--max-steps", "1", "--out", str(folder)), ("summary", "--arch-out", str(folder))):
        r = run_cli(*args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
        assert f"{folder} is a folder, not a regular file; not written" in r.stderr
        assert not (tmp_path / "home" / "runs").exists()


def test_predict_says_not_a_digit_as_the_window_does(tmp_path):
    """A cross and a zig-zag are refused with the window's verdict (the digit gate), not read as a 4."""
    from PIL import ImageDraw
    shapes = {"cross": [((40, 40), (160, 160)), ((160, 40), (40, 160))], "seven": [((40, 30), (160, 30)),
              ((160, 30), (80, 180))], "zigzag": [((20, 100), (60, 40)), ((60, 40), (100, 160)),
                                                  ((100, 160), (140, 40)), ((140, 40), (180, 160))]}
    files = []
    for name, lines in shapes.items():
        im = Image.new("L", (200, 200), 255)
        d = ImageDraw.Draw(im)
        for a, b in lines:
            d.line([a, b], fill=0, width=14)
        im.save(tmp_path / f"{name}.png")
        files.append(str(tmp_path / f"{name}.png"))
    r = run_cli("predict", *files)
    assert r.returncode == 0, r.stderr        # read, and answered: a refusal is not an error
    out = r.stdout.splitlines()
    assert out[0].startswith(files[0] + ": not a digit (closest: ") and out[2].startswith(files[2] + ": not a digit")
    assert out[1].startswith(files[1] + ": 7 (")
    preds = json.loads(run_cli("predict", "--json", *files).stdout)["predictions"]
    assert [p["verdict"] for p in preds] == ["not a digit", "sure", "not a digit"]
    assert [p["digit"] for p in preds] == [None, 7, None] and isinstance(preds[0]["closest"], int)


def test_a_blank_image_is_read_as_blank_and_exits_0_beside_good_ones(tmp_path, mnist):
    """Issue 33: `predict a.png blank.png` exited 2, as for a file that is not an image. A blank image (an
    empty canvas, a white page) is a valid image with nothing on it: answered "blank", exit code 0."""
    good = tmp_path / "a.png"
    Image.fromarray(mnist.test.images[0].numpy()).save(good)
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    r = run_cli("predict", str(good), str(blank))
    assert r.returncode == 0 and "error" not in r.stderr, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"{good}: {int(mnist.test.labels[0])} (")
    assert lines[1] == f"{blank}: blank (no ink, nothing to read)"
    r = run_cli("predict", "--json", str(blank), str(good))
    assert r.returncode == 0, r.stderr
    preds = json.loads(r.stdout)["predictions"]
    assert preds[0] == {"file": str(blank), "digit": None, "closest": None, "verdict": "blank",
                        "probabilities": None}
    assert preds[1]["digit"] == int(mnist.test.labels[0])
    (tmp_path / "notes.txt").write_text("not an image")     # still a bad argument beside a blank one
    r = run_cli("predict", str(blank), str(tmp_path / "notes.txt"))
    assert r.returncode == 2 and r.stdout.startswith(f"{blank}: blank") and r.stderr.count("mnist-gui: error:") == 1


def test_predict_help_and_readme_agree_on_the_verdicts_and_exit_codes():
    """A newcomer reads the README's table and `predict --help`: both name the three verdicts, that
    "not a digit" exits 0, and that a file that is not an image exits 2."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `mnist-gui predict"))
    out = subprocess.run([sys.executable, "-m", "mnist_gui", "predict", "--help"], capture_output=True,
                         text=True, cwd=ROOT).stdout
    helptext = " ".join(out.split())
    for text in (row, helptext):
        assert "not sure" in text and "not a digit" in text and "blank" in text
        assert "exit code 0" in text and "exit code 2" in text


def test_predict_number_reads_a_drawing_with_a_minus_sign_and_a_decimal_point(tmp_path):
    """Strokes saved as JSON read as the window's number mode reads them, the number in ASCII; a file that
    is not a drawing is one line and exit code 2, the others still read."""
    drawing = [[[-60, 48], [-35, 50], [-15, 51]],                                # a minus sign
               [[15, 25], [40, 5], [75, 10], [80, 35], [20, 95], [90, 95]],      # 2
               [[118, 90], [120, 92], [118, 93]],                                # a point on the baseline
               [[160, 5], [160, 95]], [[195, 10], [265, 10], [220, 95]]]         # 1, 7
    good, bad = tmp_path / "number.json", tmp_path / "notes.json"
    good.write_text(json.dumps(drawing))
    bad.write_text(json.dumps({"strokes": "none"}))
    r = run_cli("predict", "--number", "--json", str(good))
    assert r.returncode == 0, r.stderr
    read = json.loads(r.stdout)["numbers"][0]
    assert read["number"] == "-2.17" and [d["digit"] for d in read["digits"]] == [2, 1, 7]
    blank = tmp_path / "blank.json"
    blank.write_text("[]")                          # nothing drawn: an answer, as a blank image is
    r = run_cli("predict", "--number", str(good), str(blank))
    assert r.returncode == 0 and f"{blank}: blank" in r.stdout, r.stderr
    r = run_cli("predict", "--number", str(good), str(bad))
    assert r.returncode == 2 and f"{good}: -2.17" in r.stdout
    assert [line for line in r.stderr.splitlines() if "error" in line] == [
        f"mnist-gui: error: {bad}: not a drawing (JSON: a list of strokes, each a list of [x, y] points)"]


BLAS_THREADS = """
import ctypes, os, sys
from mnist_gui import cli
try:
    cli.main(["summary"])
except SystemExit:
    pass
import numpy   # loads its OpenBLAS after main ran, as the program does
libs = {l.split()[-1] for l in open("/proc/self/maps") if "openblas" in l.lower() and l.split()[-1].endswith(".so")}
for lib in libs:
    for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads64_",
                 "openblas_get_num_threads"):
        if hasattr(ctypes.CDLL(lib), name):
            print(getattr(ctypes.CDLL(lib), name)())
            sys.exit(0)
print("no OpenBLAS")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the loaded libraries from /proc/self/maps")
def test_the_program_runs_numpys_blas_on_one_thread_unless_the_user_sets_it():
    """The live path's small products gain nothing from a second BLAS thread and, while training holds the
    cores, wait for it; a user's own OPENBLAS_NUM_THREADS is kept."""
    import os
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", BLAS_THREADS], env=env, capture_output=True, text=True, cwd=ROOT,
                         timeout=120).stdout.split()
    if out[-1:] == ["OpenBLAS"]:
        pytest.skip("NumPy is not built on OpenBLAS here")
    assert out[-1] == "1"
    out = subprocess.run([sys.executable, "-c", BLAS_THREADS], env={**env, "OPENBLAS_NUM_THREADS": "2"},
                         capture_output=True, text=True, cwd=ROOT, timeout=120).stdout.split()
    assert out[-1] == "2"


@pytest.mark.parametrize("error, words", [(ValueError("Decompressed Data Too Large\nmore"), "Decompressed Data Too Large"),
                                          (MemoryError(), "too large to decode"),
                                          (PermissionError(13, "Permission denied"), "Permission denied")])
def test_predict_says_why_an_image_cannot_be_read_in_words(tmp_path, monkeypatch, capsys, error, words):
    """An image the decoder gives up on: the reason, never the exception's name ("(ValueError)")."""
    from mnist_gui import cli
    from mnist_gui.core.reading import Reader
    f = tmp_path / "odd.png"
    f.write_bytes(b"\x89PNG")

    def fails(self, image):
        raise error
    monkeypatch.setattr(Reader, "read_image", fails)
    assert cli.main(["predict", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}: not a readable image ({words})" in err and "Error" not in err


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """`mnist-gui summary --json | head -c 300` ended in "mnist-gui: error: [Errno 32] Broken pipe": a closed pipe
    is the reader's choice, and ends the command without a word (exit 141, as on SIGPIPE)."""
    from tests.conftest import ROOT
    p = subprocess.Popen([sys.executable, "-m", "mnist_gui", "summary", "--json"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=str(ROOT))
    p.stdout.close()   # the reader is gone before the first byte
    err = p.stderr.read().decode()
    p.stderr.close()
    assert p.wait(timeout=120) == 141 and err == ""


def test_a_value_with_a_minus_sign_reaches_the_check_that_says_what_is_wrong(capsys):
    """argparse takes "-1,2" and "-1e-3" for options ("expected one argument"); the command line passes them on
    as values, so the error says the range the value must be in: shortened option names too, and nothing after
    "--" (a file may be named "-1.png")."""
    from mnist_gui import cli
    assert cli.main(["study", "--param", "dropout", "--values", "-1,0.5"]) == 2
    assert "dropout must be in [0, 0.95], got -1" in capsys.readouterr().err
    assert cli.main(["study", "--param", "dropout", "--range", "-1:0.5", "--count", "3"]) == 2
    assert "dropout must be in [0, 0.95], got -1" in capsys.readouterr().err
    assert cli.main(["train", "--lr", "-1e-3"]) == 2
    err = capsys.readouterr().err
    assert "learning rate must be in (0, 10]" in err and "expected one argument" not in err
    assert cli.main(["study", "--param", "dropout", "--val", "-1,0.5"]) == 2
    assert "dropout must be in [0, 0.95], got -1" in capsys.readouterr().err
    assert cli.main(["study", "--param", "dropout", "--values", "-inf"]) == 2
    assert "expected one argument" not in capsys.readouterr().err
    parser = cli.build_parser()
    assert cli._negatives_joined(parser, ["predict", "--", "--model", "-1.png"]) == ["predict", "--", "--model", "-1.png"]
