"""The core's error types that the front ends catch, in a module that imports nothing heavy (no torch):
`mnist-gui predict` and the window can name them without loading PyTorch."""


class DataError(Exception):
    """A clear, one-line problem with the MNIST files."""


class Cancelled(Exception):
    """A stop was asked for while loading; nothing was loaded."""


class DownloadError(DataError):
    """MNIST could not be downloaded. `offline` when no mirror could be reached at all (no network, a
    proxy, a firewall); `reason` is the last mirror's answer, for the front end's own message."""

    def __init__(self, message: str, reason: str, offline: bool):
        super().__init__(message)
        self.reason = reason
        self.offline = offline
