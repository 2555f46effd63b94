"""Pen-drawn digits and numbers: the pen data set, number reading, the whole-digit judge."""
