"""How the core reports what is not an error: `logging`, a module logger per module
(`log = logging.getLogger(__name__)`), never print.

A front end decides where the lines go. `configure_logging()` is the command line's (and a study's worker
processes'): warnings and errors of mnist_gui's loggers as one line on stderr, "mnist-gui: <message>", as
the app has always written them.
"""

from __future__ import annotations

import logging
import sys

_HANDLER_NAME = "mnist-gui"


def configure_logging(level: int = logging.WARNING) -> None:
    """One stderr handler on the "mnist_gui" logger (once: calling again changes nothing)."""
    logger = logging.getLogger("mnist_gui")
    if any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
        return
    handler = _StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter("mnist-gui: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is logged (a test's capture, a redirected stream)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass
