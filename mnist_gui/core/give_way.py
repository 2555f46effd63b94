"""Imports that give way to the pen.

Python runs one thread's code at a time. A worker importing PyTorch's modules (torch itself, torch._dynamo,
torchvision, onnx: seconds of module code) holds the interpreter's lock nearly all the time, and the window's
thread waits for it at every step of reading a stroke: a digit drawn right after the Train tab was first shown
took 60-100 ms from pen-up to bars instead of 6 (benchmarks/startup.py's line after the Train tab).

A thread that opts in (`with giving_way():`, the workers that load torch before it is needed) pauses before each
module it imports while the user draws (`drawing`, which the Draw tab calls at every move of the pen; the run's
training threads are told likewise: Workspace.share_cores), and goes on once the pen has rested TAIL_S or the
user left the canvas. A module's import is the pause point: the only point where any library's code can be
stopped from outside without changing it, and one comes every few milliseconds of such a load (the "import" audit
event, raised before the module's lock is taken; `importlib.import_module` raises none: those modules' own imports
are the pause points). While paused, the thread holds the locks of the modules it is in the middle of importing:
another thread importing one of those waits too, at most TAIL_S after the pen's last move. The reading's own
workers (the live model, the reading networks) and work the user asked for (a fine-tune's loading) never opt in.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Condition()
_until = 0.0                   # time.monotonic() until which the user is drawing
_local = threading.local()     # .on: this thread's imports give way
_paused = 0                    # threads paused now


# How long after the pen's last move the pause lasts at most: the read at pen-up comes at once, and a pause holds
# the locks of the modules the paused thread is in the middle of importing, which another thread importing one of
# them waits for too (the window's thread imports none of PyTorch's from the Draw tab: that wait is kept short).
TAIL_S = 0.5


def drawing(seconds: float) -> None:
    """The user is drawing: imports that give way wait until `seconds` from now, at most TAIL_S (0: the user
    stopped, or left the canvas; they go on at once). Any thread."""
    global _until
    with _lock:
        earlier = _until
        _until = time.monotonic() + min(seconds, TAIL_S)
        if _until < earlier:   # (a pen move only moves it later: the paused threads need not wake for it)
            _lock.notify_all()


def paused() -> int:
    """How many threads wait now before an import."""
    return _paused


def _before_import(event: str, _args) -> None:
    """An audit hook (sys.addaudithook): Python raises "import" before it looks for a module not yet imported, in
    the importing thread, holding neither the import system's lock nor that module's (a pause in a finder, which
    runs under the import system's lock, held up every import in every thread, the window's too)."""
    global _paused
    if event != "import" or not getattr(_local, "on", False) or threading.current_thread() is threading.main_thread():
        return
    with _lock:
        _paused += 1
        try:
            while (left := _until - time.monotonic()) > 0:
                _lock.wait(left)
        finally:
            _paused -= 1


sys.addaudithook(_before_import)   # (once, when this is first imported; a hook cannot be taken out again)


@contextmanager
def giving_way() -> Iterator[None]:
    """Within it, this thread's imports wait while the user draws (never the main thread's: it reads the drawing)."""
    was = getattr(_local, "on", False)
    _local.on = True
    try:
        yield
    finally:
        _local.on = was
