"""Entry point `mnist-gui`: with no subcommand it opens the window.

Subcommands: train, evaluate, predict, export, summary, study. `--json` prints exactly one JSON object on stdout.
Every user-facing error is one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from mnist_gui import config, desktop


class UserError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")


def add_field_options(p: argparse.ArgumentParser) -> None:
    """One option per training field (core/recipes.py FIELDS): the same table makes the Train tab's form."""
    from mnist_gui.core.recipes import FIELDS
    for f in FIELDS:
        helptext = (f.help + (f" ({f.range_text()})" if f.kind in ("int", "float") else "")).replace("%", "%%")
        if f.kind == "bool":
            p.add_argument(f.flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=helptext)
        elif f.kind == "choice":
            p.add_argument(f.flag, dest=f.name, choices=f.choices, help=helptext)
        else:
            p.add_argument(f.flag, dest=f.name, type=int if f.kind == "int" else float, help=helptext,
                           metavar=f.name.upper())


MODEL_HELP = "checkpoint (default: the window's live model, else the shipped model)"


def build_parser() -> argparse.ArgumentParser:
    from mnist_gui.core.presets import PRESETS
    from mnist_gui.core.recipes import DEFAULT_RECIPE, RECIPES, TRAINING_RECIPES

    parser = _Parser(prog="mnist-gui", description="Draw a digit and watch a CNN read it. "
                     "With no subcommand, opens the window.")
    parser.add_argument("--version", action="version", version=f"mnist-gui {__import__('mnist_gui').__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    g = sub.add_parser("gui", help="open the window (the default)")
    g.add_argument("--model", help="checkpoint to open instead of the last live one")

    t = sub.add_parser("train", help="train a model; the run is recorded and appears in the window's Runs list")
    t.add_argument("--recipe", choices=list(TRAINING_RECIPES), default=DEFAULT_RECIPE,
                   help=("start from a recipe (" + "; ".join(f"{r}: {RECIPES[r].description}" for r in TRAINING_RECIPES)
                         + "); other options override it").replace("%", "%%"))
    add_field_options(t)
    t.add_argument("--arch", metavar="FILE.json", help="train this network (a spec: see mnist-gui summary "
                   "--arch-out); sets the preset to custom")
    t.add_argument("--threads", type=int, help="torch threads (default: all cores); not part of the recipe")
    t.add_argument("--device", default="auto", help="where to train: auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps")
    t.add_argument("--extra-pendigits", metavar="FILE",
                   help="add pen-drawn digits (UNIPEN file, e.g. pendigits-train.gz) to the training data")
    t.add_argument("--pen-writers", metavar="A-B", help="only these writers' pen digits (default: all; "
                   "e.g. 1-20 keeps writers 21-30 unseen)")
    t.add_argument("--pen-variants", type=int, default=1, metavar="K",
                   help="each pen digit K times: as drawn, and K-1 times as another hand might draw it "
                        "(random slant, rotation, aspect and a smooth warp of the strokes)")
    t.add_argument("--init", metavar="MODEL", help="start from this checkpoint's weights (fine-tuning); "
                   "its preset and dropout are used")
    t.add_argument("--data-dir", help="folder holding the four MNIST IDX files")
    t.add_argument("--out", help="also save the checkpoint here, into a folder that exists (it is always "
                   "saved in the run's folder, runs/<id>/model.pt)")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_common(t)

    e = sub.add_parser("evaluate", help="test accuracy, per-class accuracy, confusion matrix")
    e.add_argument("--model", help=MODEL_HELP)
    e.add_argument("--data-dir", help="folder holding the four MNIST IDX files")
    e.add_argument("--device", default="auto", help="where to evaluate: auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps")
    _add_common(e)

    p = sub.add_parser("predict", help="read the digit in image files (PNG, JPEG, BMP, GIF, WebP or TIFF, any size)",
                       description="The digit and ten probabilities for each image file: PNG, JPEG, BMP, GIF, "
                       "WebP or TIFF, any size, dark ink on light or light on dark. As the window says it: the "
                       "digit, 'not sure' below 80%, 'not a digit' (a cross, a letter) or 'blank' (no ink): an "
                       "answer, exit code 0. A file that is not such an image is one line on stderr and exit code 2 "
                       "(the others are still read). With --number, the files are drawings as pen strokes, each read "
                       "as a number.")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files: PNG, JPEG, BMP, GIF, WebP or TIFF")
    p.add_argument("--number", action="store_true",
                   help="the files are drawings as pen strokes (JSON: a list of strokes, each a list of [x, y] "
                        "points, y down), each read as a whole number as the window's number mode reads it: "
                        "digits, a leading minus sign and a decimal point, printed as ASCII ('-3.14')")
    p.add_argument("--model", help=MODEL_HELP)
    _add_common(p)

    x = sub.add_parser("export", help="write the model's network as ONNX, for onnxruntime and other runtimes")
    x.add_argument("--onnx", required=True, metavar="OUT.onnx", help="the ONNX file to write (into a folder that exists)")
    x.add_argument("--model", help=MODEL_HELP)
    _add_common(x)

    s = sub.add_parser("summary", help="layer shapes and parameters, (W−F+2P)/S+1 worked out")
    which = s.add_mutually_exclusive_group()
    which.add_argument("--preset", choices=list(PRESETS), help="a preset (default: tf-tutorial)")
    which.add_argument("--model", help="checkpoint to summarise instead of a preset")
    which.add_argument("--arch", metavar="FILE.json", help="architecture file to check (a list of layers)")
    s.add_argument("--arch-out", metavar="FILE.json",
                   help="write the summarised network's architecture to this file, to start your own from")
    _add_common(s)

    _add_study_parser(sub)

    d = sub.add_parser("install-desktop", help="add mnist-gui to the desktop's app menu (launcher, icon; Linux)")
    d.add_argument("--uninstall", action="store_true", help="remove exactly the files install-desktop wrote")
    _add_common(d)
    return parser


def _add_study_parser(sub) -> None:
    from mnist_gui.core.recipes import DEFAULT_RECIPE, TRAINING_RECIPES
    from mnist_gui.core.study import STUDY_PARAMS
    st = sub.add_parser("study", help="a parameter study: train with each value of a parameter (or search "
                        "for the best values) and compare test accuracy; every run is recorded")
    what = st.add_mutually_exclusive_group(required=True)
    what.add_argument("--param", help=f"the parameter to vary ({', '.join(STUDY_PARAMS)}, any training field, "
                      "or <layer>.<field> of the network)")
    what.add_argument("--search", metavar="P1,P2", help="find the best values of 1-3 parameters with Optuna's "
                      "TPE sampler (lr,dropout; or lr=1e-4:1e-2,dropout=0:0.5)")
    st.add_argument("--values", help="the values, comma-separated (1e-4,1e-3,1e-2)")
    st.add_argument("--range", dest="value_range", metavar="LOW:HIGH", help="a range of values, with --count")
    st.add_argument("--count", type=int, help="how many values in --range")
    st.add_argument("--log", action="store_true", help="space the --range values evenly on a log scale")
    st.add_argument("--repeat", type=int, default=1, help="run each value with seeds 0..N-1 (default 1)")
    st.add_argument("--trials", type=int, default=20, help="trials of a --search (default 20)")
    st.add_argument("--name", help="the study's name (default: the parameter); the same name resumes it")
    st.add_argument("--workers", type=int, default=1, help="local worker processes sharing the study")
    st.add_argument("--device", default="auto", help="where every trial trains: auto (CUDA, then MPS, then CPU), "
                    "cpu, cuda, cuda:N or mps")
    st.add_argument("--storage", help="an Optuna storage URL (sqlite:///..., postgresql://...) or a journal "
                    "file path on a shared disk (default: the app folder's studies/<name>.journal)")
    st.add_argument("--recipe", choices=list(TRAINING_RECIPES), default=DEFAULT_RECIPE,
                    help="the base recipe every trial starts from; the options below override it")
    add_field_options(st)
    st.add_argument("--data-dir", help="folder holding the four MNIST IDX files")
    _add_common(st)


def _chosen_model(path: str | None) -> tuple[Path, str]:
    """Which model a command reads, first match wins: --model FILE; the window's live model (the one it
    remembers in its settings.ini, read, never written; as the MNIST folder is shared); the shipped one.
    Returns the path and where it came from, in words."""
    if path:
        return Path(path), "--model"
    from mnist_gui.core.settings import read_qt_ini
    settings = config.app_home() / "settings.ini"
    live = read_qt_ini(settings).get("model/path")
    if isinstance(live, str) and live:
        p = config.resolve_model_path(live)
        if p.exists() and p != config.SHIPPED_MODEL:
            return p, f"the window's live model ({settings})"
    return config.SHIPPED_MODEL, "the shipped model"


def _load_model(path: str | None, say: bool = False):
    """The model at path (default: the window's live one, else the shipped one; _chosen_model), opened for
    reading: from its .onnx without torch when it has one (Checkpoint.load_model loads the weights when a
    command needs them). say: name it on stderr ("model: FILE, from ...")."""
    from mnist_gui.core.checkpoint import load_checkpoint, open_live, with_live
    p, source = _chosen_model(path)
    ck = open_live(p) or with_live(load_checkpoint(p))
    if say:  # once it opened: a model that does not open is the one line of its error
        print(f"model: {p}, from {source}", file=sys.stderr)
    return ck


def _workspace():
    from mnist_gui.core.workspace import Workspace
    return Workspace()


def _use_data_dir(ws, args, say: bool = True) -> str:
    """Where this command reads MNIST, first match wins: --data-dir, $MNIST_GUI_DATA, the folder chosen
    in the window (its settings.ini, read, never written), the app folder's data/ (downloaded there
    when missing). Says which on stderr (not with --json; say=False: only returns the line, for a command
    that says it once work starts)."""
    import os

    from mnist_gui.core.data import find_mnist_folder
    from mnist_gui.core.settings import read_qt_ini
    if args.data_dir:
        ws.set_data_dir(args.data_dir)
        source = "--data-dir"
    elif os.environ.get("MNIST_GUI_DATA"):
        source = "MNIST_GUI_DATA"
    else:
        chosen = read_qt_ini(ws.settings_path).get("data/dir")
        if isinstance(chosen, str) and chosen and find_mnist_folder(chosen) is not None:
            ws.set_data_dir(chosen)
            source = f"the window's choice ({ws.settings_path})"
        else:
            source = "the app folder"
    folder = find_mnist_folder(ws.data_dir, ws.download_dir)
    if folder is None and ws.data_dir:   # a named folder without MNIST: never a download; the error says so
        return ""
    where = f"{folder}, from {source}" if folder else f"none found; downloading into {ws.download_dir}"
    if say and not args.json:
        print(f"MNIST: {where}", file=sys.stderr)
    return f"MNIST: {where}"


def _pen_options(args) -> frozenset[int] | None:
    """--pen-writers / --pen-variants checked before anything loads: the chosen writers (None: all)."""
    if (args.pen_writers is not None or args.pen_variants != 1) and not args.extra_pendigits:
        raise UserError("--pen-writers and --pen-variants need --extra-pendigits FILE")
    if not 1 <= args.pen_variants <= 100:
        raise UserError(f"--pen-variants must be between 1 and 100, got {args.pen_variants}")
    if args.pen_writers is None:
        return None
    from mnist_gui.core.handwriting.pendigits import parse_writers
    try:
        return parse_writers(args.pen_writers)
    except ValueError as e:
        raise UserError(f"--pen-writers: {e}") from None


# The signals that end a command as a window's close does: Ctrl-C, `kill`, the terminal closing.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM) + ((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ())


class _stop_on_signals:
    """Until restore(): the first of STOP_SIGNALS calls stop() (the command ends as the window's close does:
    the work stopped and recorded) and is kept in `received`; a second ends the process at once with
    128 + the signal."""

    def __init__(self, stop: Callable[[], None]):
        self.received = 0
        self._stop = stop
        self._before = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}

    def _on_signal(self, signum, _frame) -> None:
        if self.received:
            print(f"mnist-gui: {signal.Signals(signum).name}: ending now", file=sys.stderr, flush=True)
            os._exit(128 + signum)
        self.received = signum
        self._stop()

    def restore(self) -> None:
        for sig, handler in self._before.items():
            signal.signal(sig, handler)


def _check_out_folder(option: str, path: str) -> None:
    """UserError, one line, when a file the user named for writing could not be written there: its folder does not
    exist, or the path is a folder, a link or a device (the one writer's own checks, made before the work: `train
    --out DIR` trained its whole budget, then said it could not save, and exited 0)."""
    from mnist_gui.core.storage import MissingFolder, UnsafeDestination, check_destination, check_folder_exists
    try:
        check_folder_exists(path)
        check_destination(path)
    except (MissingFolder, UnsafeDestination) as e:
        raise UserError(f"{option} {path}: {e}") from None


def cmd_train(args) -> int:
    from mnist_gui.core.data import Cancelled
    from mnist_gui.core.device import resolve_device
    from mnist_gui.core.events import EpochEnded, Progressed, Started, StatusChanged
    from mnist_gui.core.recipes import FIELDS
    from mnist_gui.core.states import RunStatus
    from mnist_gui.core.workspace import RunControl

    device = resolve_device(args.device)
    if device.type == "cuda":   # CUDA's one-time start-up while MNIST loads
        import threading

        from mnist_gui.core.train import prepare_device
        threading.Thread(target=prepare_device, args=(device,), daemon=True).start()
    ws = _workspace()
    if args.threads is not None and not 1 <= args.threads <= 1024:
        raise UserError(f"--threads must be between 1 and 1024, got {args.threads}")
    if args.out:
        _check_out_folder("--out", args.out)   # one line now, not after the training; no folder is made
    writers = _pen_options(args)
    log = (lambda m: None) if args.json else (lambda m: print(m, file=sys.stderr))
    from mnist_gui.core.handwriting.pendigits import pen_digits_of, writers_text
    digits = pen_digits_of(args.extra_pendigits, writers) if args.extra_pendigits else []  # before MNIST
    arch = None
    if args.arch:
        from mnist_gui.core.spec import load_spec_file
        arch = load_spec_file(args.arch).to_dict()
    try:
        plan = ws.plan_run(args.recipe, init=_load_model(args.init) if args.init else None, arch=arch,
                           pen_digits=digits, pen_variants=args.pen_variants,
                           **{f.name: getattr(args, f.name) for f in FIELDS})
    except ValueError as e:
        raise UserError(str(e)) from None
    cfg = plan.config
    if args.threads is not None:
        import torch
        torch.set_num_threads(args.threads)
    ws.check_can_record()   # one line now, not after the training
    _use_data_dir(ws, args)
    control = RunControl()
    stopping = _stop_on_signals(control.abort)   # as the window's close: the stopped run is recorded
    try:
        ws.mnist(progress=log, should_stop=lambda: control.stopped)   # here: its lines before the pen digits'
    except Cancelled:
        pass   # the run below says so
    if digits and not control.stopped:
        log(f"adding {len(plan.extra_train):,} pen-drawn digit images ({len(digits):,} digits of writers "
            f"{writers_text({d.writer for d in digits})}) from {args.extra_pendigits}")

    bar = None
    show_bar = not args.no_progress and not args.json
    started = None

    def on_event(ev):
        nonlocal bar, started
        match ev:
            case Started():
                started = ev
                log(f"training on {ev.device} in {'bfloat16 (autocast)' if ev.precision == 'bf16' else 'float32'}")
                if show_bar:   # the bar is made when the number of steps is known
                    from tqdm import tqdm
                    bar = tqdm(total=ev.total_steps, unit="step", file=sys.stderr, dynamic_ncols=True)
            case Progressed() if bar is not None:
                bar.update(len(ev.steps))
                if ev.step % 10 < len(ev.steps):
                    bar.set_postfix(loss=f"{ev.loss:.3f}", acc=f"{ev.accuracy:.3f}",
                                    img_s=f"{ev.images_per_s:.0f}", refresh=False)
            case EpochEnded():
                line = (f"{_epoch_text(ev, started)}: test accuracy {ev.test_accuracy:.2%}, "
                        f"test loss {ev.test_loss:.4f}, {ev.train_seconds:.1f} s of training")
                (bar.write(line, file=sys.stderr) if bar is not None else log(line))
            case StatusChanged(message=msg) if not args.json:
                (bar.write(str(msg), file=sys.stderr) if bar is not None else log(str(msg)))

    try:
        with ws.working("train"):
            done = ws.run(replace(plan, device=str(device)), on_event, control, out=args.out)
    finally:
        stopping.restore()
        if bar is not None:
            bar.close()
    if stopping.received:
        name = signal.Signals(stopping.received).name
        what = (f"{done.message}; recorded as run {done.record.id}" if done.record is not None
                else done.problem or f"{done.message}; nothing recorded")
        print(f"mnist-gui: {name}: {what}", file=sys.stderr)
        return 128 + stopping.received
    result = done.result
    if result.status is RunStatus.DIVERGED:
        raise UserError(str(result.message))
    done = _offer_again(ws, done, interactive=not args.json and sys.stdin.isatty())
    if done.unsaved:
        raise UserError(f"{done.problem}; the trained model was not saved")
    out = done.checkpoint.path
    m = result.metrics
    if args.json:
        print(json.dumps({"accuracy": m.get("test_accuracy"), "per_class": m.get("per_class"),
                          "seconds": result.seconds, "train_seconds": m.get("train_seconds"),
                          "steps": m.get("steps"), "status": result.status, "model": str(out),
                          "precision": result.precision,
                          "config": cfg.to_dict()}))
    else:
        print(f"{result.message}\nsaved model to {out}" + (f"\nrecorded as run {done.record.id}" if done.record else ""))
    if done.problem:
        print(f"mnist-gui: warning: {done.problem}", file=sys.stderr)
    return 0


def _epoch_text(ev, started) -> str:
    """'epoch 2/3' when the run is whole epochs; else the steps and the epochs they make ('step 100/100,
    1.3 of 1.3 epochs'): a run of --max-steps or a fractional --epochs ends inside an epoch."""
    per = started.steps_per_epoch if started is not None else 0
    if not per or started.total_steps % per == 0:
        return f"epoch {ev.epoch}/{ev.epochs}"
    return f"step {ev.step:,}/{started.total_steps:,}, {ev.step / per:.1f} of {started.total_steps / per:.1f} epochs"
def _offer_again(ws, done, interactive: bool):
    """A trained model that could not be saved (a full disk): at a terminal, ask to try again once there
    is room or to save it elsewhere, for as long as the answer is not 'q'."""
    from mnist_gui.core.checkpoint import CheckpointError
    while done.unsaved and interactive:
        print(f"mnist-gui: {done.problem}", file=sys.stderr)
        try:
            answer = input("The trained model is kept until you answer. Free some space and press Enter to "
                           "try again, give a file to save it there, or q to give up: ").strip()
        except EOFError:
            break
        if answer.lower() == "q":
            break
        if not answer:
            done = done.retry()
            continue
        try:
            done.checkpoint.path = ws.save_model(done.checkpoint, answer)
            return replace(done, retry=None, problem=f"{done.problem}; saved to {done.checkpoint.path} instead")
        except (OSError, CheckpointError) as e:
            done = replace(done, problem=str(e))
    return done


def _confusion_text(conf) -> str:
    head = "true\\pred " + " ".join(f"{d:>5}" for d in range(10))
    rows = [f"{i:>9} " + " ".join(f"{v:>5}" for v in row) for i, row in enumerate(conf)]
    return "\n".join([head, *rows])


def cmd_evaluate(args) -> int:
    from mnist_gui.core.device import resolve_device
    device = resolve_device(args.device)
    ws = _workspace()
    ck = _load_model(args.model, say=not args.json)
    _use_data_dir(ws, args)
    t0 = time.perf_counter()
    ev, data = ws.evaluate(ck.load_model(), device=device, progress=None if args.json else
                           (lambda m: print(m, file=sys.stderr) if not isinstance(m, tuple) else None))
    secs = time.perf_counter() - t0
    if args.json:
        print(json.dumps({"accuracy": ev["accuracy"], "per_class": ev["per_class"], "confusion": ev["confusion"],
                          "loss": ev["loss"], "seconds": secs, "model": str(ck.path), "n": len(data.test)}))
        return 0
    # the model is named once, on stderr, when it opens (with where it came from)
    print(f"test accuracy: {ev['accuracy']:.2%} on {len(data.test):,} images ({secs:.1f} s), "
          f"network {ck.model_config.preset}")
    print("per class: " + ", ".join(f"{d}: {a:.2%}" for d, a in enumerate(ev["per_class"])))
    print("confusion matrix:\n" + _confusion_text(ev["confusion"]))
    return 0


BLANK = "blank"   # predict's verdict for an image with no ink: nothing to read (the window's empty canvas)


def cmd_predict(args) -> int:
    """Read image files as the window reads a dropped image (core/reading.Reader: the model, then the verdict:
    sure, not sure, not a digit), on ONNX Runtime (no torch), or torch for a network ONNX cannot hold."""
    from mnist_gui.core.live import LivePredictor
    from mnist_gui.core.predictor import Predictor
    from mnist_gui.core.preprocess import PreprocessError
    from mnist_gui.core.reading import Reader, ReadingModels
    from mnist_gui.core.storage import os_reason

    ck = _load_model(args.model, say=not args.json)
    reader = Reader(LivePredictor(ck.live) if ck.live is not None else Predictor(ck.load_model()), ReadingModels())
    if args.number:
        return _predict_numbers(args, reader, ck)
    results, errors = [], []
    for f in args.images:
        try:
            reading = reader.read_image(f)
        except PreprocessError as e:  # one line per bad file; the other files are still read and reported
            errors.append(str(e))
            results.append({"file": f, "error": str(e)})
            continue
        except (OSError, ValueError, MemoryError) as e:   # in words: the reason, never an exception's name
            why = ("too large to decode" if isinstance(e, MemoryError) else os_reason(e) if isinstance(e, OSError)
                   else (str(e).splitlines() or ["not an image"])[0][:120])
            msg = f"{f}: not a readable image ({why})"
            errors.append(msg)
            results.append({"file": f, "error": msg})
            continue
        if reading is None:   # an image with no ink (an empty canvas, a blank page): read, nothing on it
            results.append({"file": f, "digit": None, "closest": None, "verdict": BLANK, "probabilities": None})
            continue
        probs = reading.probabilities
        # "digit": the digit read, None when the app claims none (not a digit); "closest": its top class
        claimed = not reading.verdict.refused
        results.append({"file": f, "digit": reading.top if claimed else None, "closest": reading.top,
                        "verdict": reading.verdict.value, "probabilities": [float(p) for p in probs]})
    if args.json:
        print(json.dumps({"predictions": results, "model": str(ck.path)}))
    else:
        for r in results:
            if "error" in r:
                continue
            p = r["probabilities"] or []
            probs = " ".join(f"{d}:{x:.3f}" for d, x in enumerate(p))
            if r["verdict"] == BLANK:
                print(f"{r['file']}: blank (no ink, nothing to read)")
                continue
            top = r["closest"]
            said = (f"{top} ({p[top]:.1%})" if r["verdict"] == "sure" else
                    f"not sure: {top} ({p[top]:.1%})" if r["verdict"] == "not sure" else
                    f"not a digit (closest: {top}, {p[top]:.1%})")
            print(f"{r['file']}: {said}  {probs}")
    for e in errors:
        print(f"mnist-gui: error: {e}", file=sys.stderr)
    # every image read is answered (a digit, not sure, not a digit, blank): 0; a file that is not an image is a
    # bad argument: 2 (the others are still read and answered)
    return 2 if errors else 0


def _predict_numbers(args, reader, ck) -> int:
    """predict --number: stroke files read as numbers (core/reading.Reader.read in number mode). Per file the
    number as ASCII text ("-3.14", the window shows its minus as U+2212; None when no digit is claimed) and
    each digit with its probability and verdict. A file that is not a drawing is one line, exit code 2."""
    from mnist_gui.core.preprocess import PreprocessError, read_strokes_file
    results, errors = [], []
    for f in args.images:
        try:
            strokes = read_strokes_file(f)
        except PreprocessError as e:
            errors.append(str(e))
            results.append({"file": f, "error": str(e)})
            continue
        reading = reader.read(strokes, number=True)
        if reading is None:   # an answer, as for a blank image: nothing to read
            results.append({"file": f, "number": None, "verdict": "blank", "digits": []})
            continue
        nr = reading.number
        if nr is None:   # not read as a number: one digit, or none claimed (as the window shows it)
            digits = [{"digit": reading.top, "probability": float(reading.probabilities.max()),
                       "verdict": reading.verdict.value}]
            text = None if reading.verdict.refused else str(reading.top)
        else:
            digits = [{"digit": d.digit, "probability": d.prob, "verdict": v.value}
                      for d, v in zip(nr.digits, reading.digit_verdicts)]
            text = nr.text
        results.append({"file": f, "number": text, "digits": digits})
    if args.json:
        print(json.dumps({"numbers": results, "model": str(ck.path)}))
    else:
        for r in results:
            if r.get("verdict") == "blank":
                print(f"{r['file']}: blank (no ink, nothing to read)")
            elif "error" not in r:
                each = " ".join(f"{d['digit']}:{d['probability']:.1%}" + ("" if d["verdict"] == "sure" else
                                                                           f" ({d['verdict']})") for d in r["digits"])
                print(f"{r['file']}: {r['number'] if r['number'] is not None else 'not a number'}  {each}")
    for e in errors:
        print(f"mnist-gui: error: {e}", file=sys.stderr)
    return 2 if errors else 0


def cmd_export(args) -> int:
    """The model's network as ONNX (what the app itself reads with): any runtime can run it."""
    from mnist_gui.core.checkpoint import export_onnx_file
    _check_out_folder("--onnx", args.onnx)
    ck = _load_model(args.model, say=not args.json)
    out = export_onnx_file(ck, args.onnx)
    if args.json:
        print(json.dumps({"onnx": str(out), "model": str(ck.path), "bytes": out.stat().st_size}))
    else:
        print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB): {ck.name}; input 'image' float32 [N,1,28,28] "
              "in [0,1] (white ink on black), output 'probabilities' [N,10]")
    return 0


def cmd_summary(args) -> int:
    from mnist_gui.core.presets import ModelConfig
    from mnist_gui.core.spec import BATCH, SpecError, analyse, load_spec_file, problems, save_spec_file, totals

    if args.arch:
        spec = load_spec_file(args.arch)
    elif args.model:
        spec = _load_model(args.model).model_config.network()
    else:
        spec = ModelConfig(args.preset or "tf-tutorial").network()
    rows = analyse(spec, batch=BATCH)
    t = totals(rows)
    if args.arch_out:
        _check_out_folder("--arch-out", args.arch_out)
        save_spec_file(args.arch_out, spec)
    errors = problems(rows, "error")
    if args.json:
        out = {"layers": [r.to_dict() for r in rows], "parameters": t.params, "weight_bytes": t.weight_bytes,
               "macs": t.macs, "errors": [str(p) for p in errors],
               "warnings": [str(p) for p in problems(rows, "warning")]}
        if args.arch_out:
            out["arch_out"] = args.arch_out
        print(json.dumps(out))
    else:
        print(f"{'#':>2} {'layer':<9} {'kind':<9} {'input':<10} {'output':<10} {'params':>10} {'MACs':>12}  "
              f"output size")
        for r in rows:
            print(f"{r.index:>2} {r.name:<9} {r.kind:<9} {r.input_text:<10} {r.output_text:<10} {r.params:>10,} "
                  f"{r.macs:>12,}  {r.arithmetic}")
            for p in r.problems:
                print(f"{'':>13}{p.level}: {p.text}")
        print(f"total parameters: {t.params:,} ({t.weight_bytes / 1e6:.2f} MB of fp32 weights); "
              f"multiply-adds per image: {t.macs:,}")
        if args.arch_out:
            print(f"architecture written to {args.arch_out}", file=sys.stderr)
    if errors:
        raise SpecError(str(errors[0]))
    return 0


def cmd_study(args) -> int:
    from mnist_gui.core import study as st
    from mnist_gui.core.events import TrialEnded, TrialStarted
    from mnist_gui.core.recipes import FIELDS

    ws = _workspace()
    ws.set_device(args.device)   # this process's Workspace only: the command line keeps no settings
    mnist_line = [line for line in [_use_data_dir(ws, args, say=False)] if line]   # said when the first trial starts: a refusal stays one line
    overrides = {f.name: getattr(args, f.name) for f in FIELDS if getattr(args, f.name) is not None}
    preset = overrides.get("preset") or ws.recipes[args.recipe].config.preset
    if args.search is not None:
        if args.values or args.value_range:
            raise UserError("--search takes its ranges in itself (lr=1e-4:1e-2); --values and --range are for --param")
        plan = st.StudyPlan(args.name or "search-" + "-".join(n.partition("=")[0].strip() for n in
                                                              args.search.split(",") if n.strip()),
                            search=st.parse_search(args.search, preset), trials=args.trials, recipe=args.recipe,
                            overrides=overrides, storage=args.storage)
    else:
        if not args.param:
            raise UserError("a study needs --param (with --values or --range) or --search")
        param = st.parameter(args.param, preset)
        values = st.parse_values(param, args.values, range_=args.value_range, count=args.count, log=args.log)
        plan = st.StudyPlan(args.name or param.name, param.name, values, args.repeat, recipe=args.recipe,
                            overrides=overrides, storage=args.storage)

    def on_event(ev):
        if isinstance(ev, TrialStarted) and mnist_line and not args.json:
            print(mnist_line.pop(), file=sys.stderr)
        if isinstance(ev, TrialEnded) and not args.json:
            acc = f"{ev.accuracy:.2%}" if ev.accuracy is not None else ev.error or ev.state
            print(f"trial {ev.number}: {ev.state}, {acc}", file=sys.stderr)
    # SIGINT (Ctrl-C), SIGTERM or SIGHUP: the trials that are training stop within a step and are failed as
    # interrupted, the worker processes end, and so does the command; a second signal stops at once.
    signals: list[int] = []

    def on_signal(signum, _frame):
        if signals:
            raise KeyboardInterrupt
        signals.append(signum)
    before = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    from mnist_gui.core.errors import Cancelled
    try:
        study = st.run_study(ws, plan, workers=args.workers, on_event=on_event, should_stop=lambda: bool(signals))
    except (KeyboardInterrupt, Cancelled):
        signals.append(signal.SIGINT)
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
    if signals:
        print("mnist-gui: interrupted; run the same command again to resume the study", file=sys.stderr)
        return 128 + signals[0]
    report = st.study_report(study)
    if args.json:
        print(json.dumps(report))
        return 0
    if plan.mode == "grid":
        print(f"study {plan.name!r}: {plan.param}")
        print(f"{'value':>10} {'runs':>5} {'mean':>8} {'min':>8} {'max':>8} {'seconds':>8}")
        earlier = []
        for v in st.summarize(st.trial_rows(study), plan.param):
            accs = [f"{x:.2%}" if x is not None else "-" for x in (v.mean, v.min, v.max)]
            secs = f"{v.seconds:.1f}" if v.seconds is not None else "-"
            fail = f"  ({v.failed} failed: {v.error})" if v.failed else ""
            mark = "" if v.value in plan.values else "  (earlier)"
            earlier += [st.fmt_value(v.value)] if mark else []
            print(f"{st.fmt_value(v.value):>10} {v.runs:>5} {accs[0]:>8} {accs[1]:>8} {accs[2]:>8} {secs:>8}{fail}{mark}")
        print(report["verdict"])
        if earlier:
            print(f"this study also holds runs of {', '.join(earlier)} from an earlier command under the name "
                  f"{plan.name!r}; --name starts a separate study")
    else:
        best = report["best"]
        print(f"study {plan.name!r}: {len(report['trials'])} trials")
        if best:
            print("best: " + ", ".join(f"{k} {st.fmt_value(v)}" for k, v in best["params"].items())
                  + f" at {best['accuracy']:.2%} (trial {best['number']}, run {best['run_id']})")
        if report["importances"]:
            print("importance: " + ", ".join(f"{k} {v:.2f}" for k, v in report["importances"].items()))
    return 0


# Commands whose files are all written (fsynced, closed: storage.atomic_write_bytes) when they return, so the
# program may end there. `study` is not one: Optuna's storage and its worker processes close themselves.
_ENDS_AT_ONCE = ("train", "evaluate", "predict", "summary", "export")


def end_now(code: int) -> None:
    """End the program with `code` now, without the interpreter's teardown (freeing every torch and numpy
    object, atexit handlers, thread joins: seconds after a training run). Only for a command whose results
    are already on disk: stdout, stderr and the log handlers are flushed first."""
    import logging
    import os
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):   # closed, or a pipe whose reader left
            pass
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _negatives_joined(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """argv with an option's value that starts with a minus sign joined to it ("--values -1,2" as "--values=-1,2",
    "--val -inf" too: argparse's shortening): argparse takes "-1,2" or "-1e-3" for an option and says "expected one
    argument" (the value is then checked, and refused in words where it is out of range). Nothing after "--"."""
    parsers = [parser, *(a for act in parser._actions if isinstance(act, argparse._SubParsersAction)
                         for a in act.choices.values())]
    options = {o: act.nargs != 0 for p in parsers for o, act in p._option_string_actions.items() if o.startswith("--")}

    def takes_value(token: str) -> bool:
        if token in options:
            return options[token]
        named = {o for o in options if o.startswith(token)} if token.startswith("--") and len(token) > 2 else set()
        return len(named) == 1 and options[named.pop()]
    out, i = [], 0
    while i < len(argv):
        if argv[i] == "--":
            return out + argv[i:]
        if takes_value(argv[i]) and i + 1 < len(argv) and re.match(r"-(\.?\d|inf|nan)", argv[i + 1], re.IGNORECASE):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Run one command. Called as the program (argv None), a command in _ENDS_AT_ONCE ends the process as
    soon as it returns (end_now); called with argv (tests, scripts) it returns the exit code."""
    as_program = argv is None
    # NumPy's BLAS (OpenBLAS) on one thread unless the user says otherwise: the live path's products are small
    # (the elastic reader's), a second thread gains nothing there, and while a run holds the cores it waits for
    # that thread (a stroke's read p95 2-3x; benchmarks/README.md, gate latency). Read when NumPy loads: here,
    # before it does (torch, which trains, has its own threads).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(_negatives_joined(parser, argv))
    from mnist_gui.core.logs import configure_logging
    configure_logging()   # the core's warnings: one line on stderr, "mnist-gui: …"
    if args.command in (None, "gui"):
        from mnist_gui.gui.app import run_app
        return run_app(getattr(args, "model", None))
    code = _run_command(args)
    if as_program and args.command in _ENDS_AT_ONCE:
        end_now(code)
    return code


def _run_command(args) -> int:
    from mnist_gui.core.checkpoint import CheckpointError  # these three import no torch
    from mnist_gui.core.errors import DataError
    from mnist_gui.core.live import OnnxModelError
    from mnist_gui.core.preprocess import PreprocessError
    handlers = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "summary": cmd_summary,
                "study": cmd_study, "export": cmd_export, "install-desktop": desktop.cmd_install_desktop}
    try:
        return handlers[args.command](args)
    except BrokenPipeError:   # the reader went away (`| head`): quiet, as other tools end on SIGPIPE (128 + 13)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # no second error when stdout is flushed
        return 141
    except (UserError, DataError, CheckpointError, OnnxModelError, PreprocessError, ValueError, OSError) as e:
        print(f"mnist-gui: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mnist-gui: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
