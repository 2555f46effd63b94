"""The command line finds MNIST where the window was pointed, after --data-dir and MNIST_GUI_DATA,
and says which folder it read; its epoch lines and sizes say what happened."""

import pytest

from mnist_gui import cli, config
from mnist_gui.core.settings import read_qt_ini
from tests.core.test_data import make_fake_mnist


def _settings_file(text: str):
    path = config.app_home() / "settings.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_qt_ini_values_are_read_as_qt_wrote_them(tmp_path):
    # as QSettings (IniFormat) writes them: quotes around a text with a comma, escapes, '@@' for '@'
    path = _settings_file('[General]\nx=1\n\n[data]\ndir="/home/a b/數字,x\\\\y \\"q\\""\nother=@@at\n'
                          'list=a, b\n\n[window]\ngeometry=@ByteArray(\\x1\\0)\n')
    values = read_qt_ini(path)
    assert values == {"x": "1", "data/dir": '/home/a b/數字,x\\y "q"', "data/other": "@at",
                      "data/list": ["a", "b"], "window/geometry": None}
    assert read_qt_ini(tmp_path / "none.ini") == {}


def test_the_window_choice_is_used_after_data_dir_and_the_environment(tmp_path, monkeypatch, capsys):
    window = make_fake_mnist(tmp_path / "window's, choice", n_train=20, n_test=7)
    env = make_fake_mnist(tmp_path / "env", n_train=20, n_test=8)
    flag = make_fake_mnist(tmp_path / "flag", n_train=20, n_test=9)
    _settings_file(f'[data]\ndir="{window}"\n')

    def evaluated(*args) -> tuple[str, int]:
        assert cli.main(["evaluate", *args]) == 0
        out = capsys.readouterr()
        return out.err, int(out.out.split(" on ")[1].split()[0])

    monkeypatch.setenv("MNIST_GUI_DATA", str(env))
    err, n = evaluated("--data-dir", str(flag))
    assert n == 9 and f"MNIST: {flag}, from --data-dir" in err
    err, n = evaluated()
    assert n == 8 and f"MNIST: {env}, from MNIST_GUI_DATA" in err
    monkeypatch.delenv("MNIST_GUI_DATA")
    err, n = evaluated()
    assert n == 7 and f"MNIST: {window}, from the window's choice" in err
    # the command line reads the window's settings, never writes them
    assert read_qt_ini(config.app_home() / "settings.ini") == {"data/dir": str(window)}


@pytest.mark.slow
def test_a_run_that_ends_inside_an_epoch_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_GUI_DATA", str(make_fake_mnist(tmp_path / "d", n_train=300, n_test=10)))
    # 300 images in batches of 100: 3 steps an epoch; 4 steps are 1.3 epochs, not "epoch 2/2"
    assert cli.main(["train", "--preset", "fast-bn", "--batch-size", "100", "--max-steps", "4",
                     "--out", str(tmp_path / "m.pt"), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "epoch 2/2" not in err and "step 4/4, 1.3 of 1.3 epochs: test accuracy" in err


def test_sizes_are_megabytes_as_in_the_window(capsys):
    from mnist_gui.core.presets import ModelConfig
    from mnist_gui.core.spec import analyse, totals
    assert cli.main(["summary"]) == 0
    out = capsys.readouterr().out
    t = totals(analyse(ModelConfig("tf-tutorial").network()))
    assert f"({t.weight_bytes / 1e6:.2f} MB of fp32 weights)" in out and "MiB" not in out
