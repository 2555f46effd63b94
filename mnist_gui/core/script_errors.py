"""The maintainer scripts (scripts/) end as `mnist-gui` does on the app's one-line errors: that line on stderr
and exit code 2, never a traceback. Those errors: StorageError (a missing output folder, a full disk, a refused
destination), DataError (MNIST or the pen digits not found or damaged), CheckpointError (a model that cannot
be opened) and ValueError (what a loader or an argument's parser says of a bad value)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from mnist_gui.core.errors import DataError
from mnist_gui.core.storage import StorageError


def run_script(main: Callable[[], int]) -> int:
    """main()'s exit code; 2 after one line on stderr, `<script>: error: <the error>`, on a one-line error."""
    from mnist_gui.core.checkpoint import CheckpointError  # imports torch: the scripts have it already
    try:
        return main()
    except (StorageError, DataError, CheckpointError, ValueError) as e:
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"{Path(sys.argv[0]).name}: error: {message}", file=sys.stderr)
        return 2
