"""The core's error types that the front ends catch, in a module that imports nothing heavy (no torch):
`mnist-gui predict` and the window can name them without loading PyTorch."""


class DataError(Exception):
    """A clear, one-line problem with the MNIST files."""


class Cancelled(Exception):
    """A stop was asked for while loading; nothing was loaded."""
