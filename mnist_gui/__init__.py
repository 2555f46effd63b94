"""mnist-gui: draw a digit, watch a CNN read it live, retrain it, look inside it."""

__version__ = "0.1.0"
