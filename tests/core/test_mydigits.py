import json
import os
import subprocess
import sys

import numpy as np
import pytest

from mnist_gui.core.handwriting.segment import split_digits
from mnist_gui.core.mydigits import MyDigits
from mnist_gui.core.workspace import Workspace


def img(v=0.5):
    a = np.zeros((28, 28), np.float32)
    a[5:23, 12:16] = v
    return a


def test_samples_survive_a_restart(tmp_path):
    p = tmp_path / "my.jsonl"
    m = MyDigits(p)
    a = m.add(3, img(), [[(0, 0), (10, 10)]])
    m.add(7, img(1.0))
    again = MyDigits(p)
    assert [s.label for s in again.samples] == [3, 7]
    assert again.samples[0].strokes == [[(0, 0), (10, 10)]]
    assert np.abs(again.samples[0].image - img()).max() <= 1 / 255
    assert again.delete(a.id) and [s.label for s in MyDigits(p).samples] == [7]
    assert again.counts()[7] == 1 and len(again.as_split(repeat=3)) == 3
    with pytest.raises(ValueError):
        m.add(12, img())


def test_a_killed_process_leaves_my_digits_readable(tmp_path):
    p = tmp_path / "my.jsonl"
    code = f"""
import os, signal, numpy as np
from mnist_gui.core.mydigits import MyDigits, Sample
m = MyDigits({str(p)!r})
for d in range(5):
    m.add(d, np.full((28, 28), 0.5, np.float32))
line = Sample(label=9, image=np.zeros((28, 28), np.float32)).to_json()
with open({str(p)!r}, "a") as f:      # a write cut short by a kill
    f.write(line[: len(line) // 2]); f.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert r.returncode != 0
    m = MyDigits(p)
    assert [s.label for s in m.samples] == [0, 1, 2, 3, 4] and m.skipped == 1
    m.add(8, img())  # appending after a torn line starts a fresh line
    m2 = MyDigits(p)
    assert [s.label for s in m2.samples] == [0, 1, 2, 3, 4, 8] and m2.skipped == 1


def test_plan_finetune_mixes_my_digits_with_mnist(tmp_path, shipped):
    ws = Workspace(tmp_path)
    ws.make_live(shipped, remember=False)
    with pytest.raises(ValueError):
        ws.plan_finetune()
    for d in range(10):
        ws.teach(d, img())
    plan = ws.plan_finetune()
    cfg, extra, init_state = plan.config, plan.extra_train, plan.init_state
    share = len(extra) / (len(extra) + 60000)
    assert 0.35 < share < 0.45 and cfg.augment and cfg.max_steps > 0
    assert cfg.preset == shipped.model_config.preset and init_state.keys() == shipped.model.state_dict().keys()
    # what the weights have seen stays with them: the taught model has seen the same pen writers
    assert cfg.pen_writers == shipped.train_config["pen_writers"] == "1-30"
    from dataclasses import replace
    for garbage, kept in ((7, None), (["1-3"], None), ("x", None), ("2-3, 5", "2-3,5")):
        ws.make_live(replace(shipped, train_config=dict(shipped.train_config, pen_writers=garbage)), remember=False)
        assert ws.plan_finetune().config.pen_writers == kept


@pytest.mark.slow
def test_finetuning_on_a_handful_changes_their_prediction(tmp_path, mnist, shipped):
    """Teach the model that an X is a 5 (it reads X as 4): after the app's own fine-tuning plan (120 steps,
    then 30% of the way back to the weights before) it reads them as 5, and MNIST holds."""
    from mnist_gui.core.predictor import Predictor
    from mnist_gui.core.preprocess import strokes_to_mnist
    from mnist_gui.core.train import Trainer
    odd = [strokes_to_mnist([[(0, 0), (100, 100 + d)], [(100 - d, 0), (d, 100)]]) for d in (0, 8, 16, 24, 32)]
    before = [int(Predictor(shipped.model).probabilities(x).argmax()) for x in odd]
    assert before.count(5) == 0
    ws = Workspace(tmp_path)
    ws.make_live(shipped, remember=False)
    for x in odd:
        ws.teach(5, x)
    plan = ws.plan_finetune()
    cfg, extra, init = plan.config, plan.extra_train, plan.init_state
    r = Trainer(cfg, mnist, init_state=init, extra_train=extra).run()
    after = [int(Predictor(r.model).probabilities(x).argmax()) for x in odd]
    assert after.count(5) >= 4, (before, after)
    assert r.metrics["test_accuracy"] >= 0.993  # the rest still holds (all 10,000 test images)


def test_split_digits_count_and_order():
    one = [[(10, 0), (10, 100)]]
    seven = [[(40, 0), (90, 0), (60, 100)], [(50, 50), (80, 50)]]            # crossed 7: 2 strokes
    four = [[(150, 0), (110, 60), (170, 60)], [(160, 20), (160, 100)]]       # 4: 2 strokes
    zero = [[(230, 0), (200, 50), (230, 100), (260, 50), (230, 0)]]
    # drawn out of order: the 4 first, then the 1, then the 0, then the 7
    groups = split_digits(four + one + zero + seven)
    assert len(groups) == 4
    firsts = [min(min(x for x, _ in s) for s in g) for g in groups]
    assert firsts == sorted(firsts)
    assert [len(g) for g in groups] == [1, 2, 2, 1]
    assert split_digits([]) == []


def test_two_processes_teaching_and_deleting_at_once_lose_nothing(tmp_path):
    """A teaches 50 while B teaches 50 and then deletes one of its own: 99 digits remain."""
    p, flag = tmp_path / "my.jsonl", tmp_path
    wait = """
import time
def wait_for(f):
    end = time.monotonic() + 60
    while not f.exists():
        assert time.monotonic() < end, f"never saw {f}"
        time.sleep(0.005)
"""
    a = wait + f"""
from pathlib import Path
import numpy as np
from mnist_gui.core.mydigits import MyDigits
wait_for(Path({str(flag / 'b_loaded')!r}))
m = MyDigits({str(p)!r})
for i in range(50):
    m.add(1, np.full((28, 28), 0.5, np.float32))
Path({str(flag / 'a_done')!r}).touch()
"""
    b = wait + f"""
from pathlib import Path
import numpy as np
from mnist_gui.core.mydigits import MyDigits
m = MyDigits({str(p)!r})
Path({str(flag / 'b_loaded')!r}).touch()
for i in range(50):
    m.add(2, np.full((28, 28), 0.5, np.float32))
wait_for(Path({str(flag / 'a_done')!r}))
victim = [s for s in m.samples if s.label == 2][0]
assert m.delete(victim.id)
print(victim.id)
"""
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for code in (a, b)]
    outs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outs
    m = MyDigits(p)
    assert m.counts()[1] == 50 and m.counts()[2] == 49 and m.skipped == 0
    assert outs[1][0].strip() not in {s.id for s in m.samples}


def test_delete_removes_exactly_one_line_and_keeps_every_other_byte(tmp_path):
    p = tmp_path / "my.jsonl"
    m = MyDigits(p)
    first = m.add(3, img())
    m.add(4, img())
    lines = p.read_bytes().splitlines(keepends=True)
    bad_strokes = json.loads(lines[1])
    bad_strokes["strokes"] = [[["a", 1]], "x"]
    damaged = b'{"id": "half a line'
    deep = b"[" * 100_000 + b"]" * 100_000
    p.write_bytes(lines[0] + lines[0] + (json.dumps(bad_strokes) + "\n").encode() + damaged + b"\n"
                  + deep + b"\n" + lines[1])
    before = p.read_bytes()
    m = MyDigits(p)                               # no RecursionError; bad strokes read as none
    assert [s.label for s in m.samples] == [3, 3, 4, 4] and m.skipped == 2
    assert m.samples[2].strokes == []
    assert m.delete(first.id)                     # two lines share that id: exactly one goes
    assert [s.label for s in m.samples] == [3, 4, 4]
    assert p.read_bytes() == before.replace(lines[0], b"", 1)
    assert m.delete(m.samples[1])                 # the sample with damaged strokes, by its object
    assert p.read_bytes() == lines[0] + damaged + b"\n" + deep + b"\n" + lines[1]
    assert not m.delete("no-such-id") and MyDigits(p).skipped == 2


def test_stored_strokes_beyond_the_strokes_files_bounds_read_as_none(tmp_path):
    """The bound of a strokes file (preprocess.MAX_COORDINATE) holds for My digits' stored strokes too: 1e39 is
    finite but an infinite float32 when the strokes are rendered or matched."""
    p = tmp_path / "my.jsonl"
    MyDigits(p).add(3, img(), [[(0, 0), (10, 10)]])
    line = json.loads(p.read_bytes())
    line["strokes"] = [[[0, 0], [1e39, 1e39]]]
    p.write_text(json.dumps(line) + "\n")
    m = MyDigits(p)
    assert [s.label for s in m.samples] == [3] and m.samples[0].strokes == []


def test_an_unwritable_app_folder_is_one_clear_error(tmp_path, monkeypatch):
    from mnist_gui.core.mydigits import MyDigitsError
    blocker = tmp_path / "app"
    blocker.write_text("a file where the app folder should be")
    m = MyDigits(blocker / "my.jsonl")             # loading does not raise
    assert len(m) == 0
    with pytest.raises(MyDigitsError, match=r"cannot store the digit: .*app is not writable") as e:
        m.add(1, img())
    assert isinstance(e.value, OSError) and "\n" not in str(e.value)
    assert len(m) == 0 and blocker.read_text().startswith("a file")

    p = tmp_path / "ok" / "my.jsonl"
    m = MyDigits(p)
    m.add(5, img())
    before = p.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("os.fsync", disk_full)
    with pytest.raises(MyDigitsError, match="No space left"):
        m.add(6, img())
    with pytest.raises(MyDigitsError, match="cannot delete the digit"):
        m.delete(m.samples[0])
    monkeypatch.undo()
    assert p.read_bytes() == before and [s.label for s in MyDigits(p).samples] == [5]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write anywhere")
def test_a_read_only_app_folder_is_one_clear_error(tmp_path):
    from mnist_gui.core.mydigits import MyDigitsError
    folder = tmp_path / "ro"
    folder.mkdir()
    m = MyDigits(folder / "my.jsonl")
    folder.chmod(0o500)
    try:
        with pytest.raises(MyDigitsError, match="Permission denied"):
            m.add(1, img())
    finally:
        folder.chmod(0o700)


def test_a_digit_the_reader_would_skip_is_refused_and_nothing_is_lost(tmp_path, monkeypatch):
    """What add() stores, load() reads: a digit whose line is longer than the reader takes (a long scribble
    of strokes) was stored and then skipped at the next start, and a file grown past MAX_FILE_BYTES was set
    aside whole (My digits started empty). Both are now one MyDigitsError; the file keeps what it held."""
    from mnist_gui.core import mydigits
    from mnist_gui.core.mydigits import MyDigitsError
    p = tmp_path / "my.jsonl"
    m = MyDigits(p)
    m.add(3, img(), [[(0, 0), (10, 10)]])
    before = p.read_bytes()
    scribble = [[(100.25 + i % 97, 200.75 + i % 89) for i in range(80_000)]]   # > MAX_LINE_BYTES as JSON
    with pytest.raises(MyDigitsError, match="cannot store the digit") as e:
        m.add(4, img(), scribble)
    assert "\n" not in str(e.value)
    assert p.read_bytes() == before and [s.label for s in m.samples] == [3]
    monkeypatch.setattr(mydigits, "MAX_FILE_BYTES", len(before) + 100)   # room for no more digit
    with pytest.raises(MyDigitsError, match="delete some digits first"):
        m.add(5, img())
    assert p.read_bytes() == before
    again = MyDigits(p)
    assert [s.label for s in again.samples] == [3] and again.skipped == 0 and again.problem == ""
