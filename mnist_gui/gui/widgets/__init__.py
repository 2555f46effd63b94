"""Widgets the tabs are made of: canvas, bars, feature maps, runs list, image helpers."""
