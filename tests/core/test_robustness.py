"""Hostile input to the Qt-free core: user-writable JSON files, run records, predict on bad files."""

import json

import numpy as np
import pytest
from PIL import Image

from mnist_gui.core.runs import RunRecord, RunStore, RunStoreError
from mnist_gui.core.storage import JsonFileError, load_json_file
from tests.conftest import run_cli

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("content,words", [
    (b"{}" + b" " * 2000, "too large (2,002 bytes; the limit is 1,000)"),
    (b'{"a": "\xff\xfe"}', "not UTF-8"),
    (b'{"a": 1,}', "not valid JSON"),
    (DEEP.encode(), "nested too deeply"),
])
def test_load_json_file_has_one_error_for_every_bad_content(tmp_path, content, words):
    f = tmp_path / "x.json"
    f.write_bytes(content)
    with pytest.raises(JsonFileError) as e:
        load_json_file(f, max_bytes=1000 if words.startswith("too large") else 10**6)
    assert isinstance(e.value, ValueError) and str(f) in str(e.value) and words in str(e.value)
    assert "\n" not in str(e.value)


def _good(store: RunStore, **kw) -> RunRecord:
    cfg = {"preset": "fast-bn", "lr": 0.01, "dropout": 0.4, "batch_size": 64, "optimizer": "adamw",
           "augment": False, "train_size": None}
    return store.record("finished", cfg, {"test_accuracy": 0.9, "steps": 3, "per_class": [0.9] * 10},
                        {"step": [1, 2, 3], "loss": [2.0, 1.5, 1.0], "accuracy": [0.1, 0.2, 0.3]}, 1.5, **kw)


@pytest.mark.parametrize("change,words", [
    (lambda d: DEEP, "nested too deeply"),
    (lambda d: {**d, "config": {**d["config"], "lr": "fast"}}, "config 'lr'"),
    (lambda d: {**d, "config": {**d["config"], "batch_size": 6.5}}, "config 'batch_size'"),
    (lambda d: {**d, "config": {**d["config"], "preset": 3}}, "config 'preset'"),
    (lambda d: {**d, "history": {**d["history"], "loss": ["a", "b", "c"]}}, "history 'loss'"),
    (lambda d: {**d, "history": {**d["history"], "loss": [1.0]}}, "different lengths"),
    (lambda d: {**d, "history": "text"}, "'history'"),
    (lambda d: {**d, "metrics": {"test_accuracy": 1.5}}, "test_accuracy"),
    (lambda d: {**d, "metrics": []}, "'metrics'"),
    (lambda d: {**d, "seconds": "long"}, "'seconds'"),
    (lambda d: [d], "not a table"),
])
def test_a_damaged_run_record_is_skipped_with_one_message(tmp_path, change, words):
    store = RunStore(tmp_path / "runs")
    keep, bad = _good(store), _good(store)
    f = bad.folder / "run.json"
    new = change(json.loads(f.read_text()))
    f.write_text(new if isinstance(new, str) else json.dumps(new))
    runs, problems = store.load()
    assert [r.id for r in runs] == [keep.id]
    assert len(problems) == 1 and str(f) in problems[0] and words in problems[0] and "\n" not in problems[0]


def test_runs_record_kind_and_device_and_keep_a_stopped_status(tmp_path):
    store = RunStore(tmp_path / "runs")
    a = _good(store)
    b = store.record("stopped", {"preset": "fast-bn"}, {}, {}, 2.0, save_model=lambda p: p.write_bytes(b"m"),
                     kind="finetune", device="cuda")
    with pytest.raises(ValueError):
        store.record("finished", {}, {}, {}, 1.0, kind="bogus")
    runs, problems = store.load()
    assert problems == []
    got = {r.id: r for r in runs}
    assert (got[a.id].kind, got[a.id].device, got[a.id].has_model) == ("train", "", False)
    assert (got[b.id].kind, got[b.id].device, got[b.id].status, got[b.id].has_model) == \
        ("finetune", "cuda", "stopped", True)


def test_discarding_a_runs_model_keeps_the_record(tmp_path):
    store = RunStore(tmp_path / "runs")
    r = store.record("stopped", {"preset": "fast-bn"}, {}, {"step": [1], "loss": [2.0]}, 2.0,
                     save_model=lambda p: p.write_bytes(b"m"))
    out = store.discard_model(r.id)
    assert not out.kept and not r.model_path.exists()
    again = store.get(r.id)
    assert (again.status, again.kept, again.has_model, again.history["loss"]) == ("stopped", False, False, [2.0])
    assert store.mark(r, status="finished").status == "finished" and not store.get(r.id).kept
    assert [x.id for x in store.load()[0]] == [r.id]


def test_discarding_a_model_whose_record_was_damaged_meanwhile_is_one_error(tmp_path):
    """A stopped run's "Discard it" answered after its run.json was damaged (a hand edit, another program):
    RunStoreError, one line naming the file, and the model stays. Before, the JsonFileError (a ValueError)
    passed through discard_model and Workspace.discard_run_model into the window's slot."""
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(tmp_path)
    r = ws.runs.record("stopped", {"preset": "fast-bn"}, {}, {}, 2.0, save_model=lambda p: p.write_bytes(b"m"))
    (r.folder / "run.json").write_text("{ torn")
    with pytest.raises(RunStoreError, match="run.json") as e:
        ws.runs.discard_model(r)
    assert "\n" not in str(e.value) and r.model_path.read_bytes() == b"m"
    ws.discard_run_model(r)    # the window's path: no exception, the model kept
    assert r.model_path.read_bytes() == b"m"


def test_delete_only_touches_folders_inside_the_store(tmp_path):
    store = RunStore(tmp_path / "runs")
    r = _good(store)
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    fake = RunRecord("precious", "finished", {}, {}, {}, 0.0, "", outside)
    for bad in (fake, "..", "../precious", str(outside)):
        with pytest.raises(RunStoreError):
            store.delete(bad)
    (store.root / "link").symlink_to(outside)
    with pytest.raises(RunStoreError):
        store.delete("link")
    assert (outside / "keep.txt").exists()
    store.delete(r)
    store.delete(r)            # already gone: nothing to do
    assert not r.folder.exists() and store.root.is_dir()


def _png_claiming(path, w, h):
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                     + chunk(b"IEND", b""))


def test_predict_reports_every_file_when_some_are_bad(tmp_path):
    good = Image.new("L", (64, 64), 255)
    good.paste(0, (28, 8, 36, 56))                      # a dark 1 on white
    good.save(tmp_path / "one.png")
    ink = np.zeros((64, 64, 4), np.uint8)
    ink[8:56, 28:36] = 255                              # white ink on transparent
    Image.fromarray(ink, "RGBA").save(tmp_path / "white_on_clear.png")
    _png_claiming(tmp_path / "huge.png", 20000, 20000)
    (tmp_path / "text.png").write_text("not an image")
    (tmp_path / "dir.png").mkdir()
    names = ["one.png", "huge.png", "text.png", "missing.png", "dir.png", "white_on_clear.png"]
    r = run_cli("predict", *[str(tmp_path / n) for n in names], "--json")
    assert r.returncode == 2 and "Traceback" not in r.stderr   # a file that is not an image: 2, as README says
    preds = json.loads(r.stdout)["predictions"]
    assert [p["file"] for p in preds] == [str(tmp_path / n) for n in names]
    assert [("error" in p) for p in preds] == [False, True, True, True, True, False]
    assert "megapixels are refused" in preds[1]["error"]
    errors = r.stderr.strip().splitlines()
    assert len(errors) == 4 and all(e.startswith("mnist-gui: error: ") for e in errors)


@pytest.mark.parametrize("key", ["study/form", "train/form", "model/draft"])
@pytest.mark.parametrize("value", ["[" * 2_000, "[" * 9_000 + "]" * 9_000, '{"a": ' + "1" * 5_000 + "}"])
def test_a_json_setting_nested_too_deeply_or_with_a_huge_number_is_ignored_and_the_app_starts(tmp_path, key, value):
    """Found by a review: the Studies form "[[[…" raised RecursionError from check_all, and the window did not start."""
    from mnist_gui.core.settings import IniStore, Settings
    section, _, name = key.partition("/")
    path = tmp_path / "settings.ini"
    path.write_text(f"[{section}]\n{name}={value}\n")
    s = Settings(IniStore(path), name=str(path))
    problems = s.check_all()   # (raised RecursionError for the study form: the app did not start)
    assert s.get(key) == "" and any(f"[{section}] {name}=" in p and "ignored" in p for p in problems)
