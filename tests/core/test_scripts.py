"""The maintainer scripts (scripts/) end as `mnist-gui` does on the app's one-line errors: one line on stderr
naming the problem, exit code 2, no traceback; a missing output folder is said before any work."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _script(name: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / f"{name}.py"), *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def _one_line(done: subprocess.CompletedProcess, name: str, *words: str) -> None:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{name}.py: error: ") and all(w in lines[0] for w in words), lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("name, args", [
    ("average_models", ["start.pt", "tuned.pt", "--out"]),
    ("train_number_judge", ["--out"]),
    ("train_trajectory", ["--out"]),
    ("make_templates", ["--out"]),
    ("train_digit_gate", ["--path-out"]),
])
def test_a_missing_output_folder_is_one_line_before_any_work(tmp_path, name, args):
    gone = tmp_path / "no such folder"
    # the inputs do not exist either: the output folder is checked first, before anything is read or trained
    done = _script(name, *args, str(gone / "out.onnx"), *(["--file", str(tmp_path / "none.gz")]
                                                            if name != "average_models" else []))
    _one_line(done, name, str(gone), "does not exist")
    assert not gone.exists()


@pytest.mark.slow
def test_a_loaders_error_is_one_line(tmp_path):
    _one_line(_script("train_trajectory", "--file", str(tmp_path / "none.gz"), "--out", str(tmp_path / "t.onnx")),
              "train_trajectory", "none.gz")
    _one_line(_script("train_number_judge", "--writers", "some", "--out", str(tmp_path / "j.pt")),
              "train_number_judge", "writers must look like")
    assert list(tmp_path.iterdir()) == []


def test_run_script_says_the_apps_one_line_errors_in_one_line_and_lets_others_through(capsys, monkeypatch):
    from mnist_gui.core.checkpoint import CheckpointError
    from mnist_gui.core.errors import DataError
    from mnist_gui.core.script_errors import run_script
    from mnist_gui.core.storage import MissingFolder
    monkeypatch.setattr(sys, "argv", ["/somewhere/scripts/tool.py"])
    for error in (MissingFolder("the folder /x does not exist; out.pt not written"), DataError("pen.gz: file not found"),
                  CheckpointError("cannot open a.pt: not a checkpoint"), ValueError("writers must look like 1-20\nmore")):
        def main(error=error):
            raise error
        assert run_script(main) == 2
        assert capsys.readouterr().err == f"tool.py: error: {str(error).splitlines()[0]}\n"
    assert run_script(lambda: 0) == 0 and capsys.readouterr().err == ""
    with pytest.raises(KeyError):               # not one of the app's one-line errors: its traceback stays
        run_script(lambda: {}["x"])
