"""Model tab: the live model's layers, the shape of every volume, and (W−F+2P)/S+1 worked out."""

from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from mnist_gui.core.models import count_parameters, layer_summary

COLUMNS = ["Layer", "Kind", "Input", "Output", "Kernel / stride / padding", "Parameters",
           "Output size (W − F + 2P) / S + 1"]


class ModelTab(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel(objectName="modelTitle", wordWrap=True)
        self.table = QTableWidget(0, len(COLUMNS), objectName="layerTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.total = QLabel(objectName="totalParameters")
        self.explain = QLabel(
            "Shapes are height × width × channels. A convolution or pooling layer with input width W, "
            "filter size F, padding P and stride S gives an output of width (W − F + 2P) / S + 1. "
            "'same' padding for a 5×5 filter is P = 2, so the convolutions keep the size; each 2×2 "
            "pooling with stride 2 halves it.", wordWrap=True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.total)
        lay.addWidget(self.explain)

    def set_model(self, model, name: str = "", preset: str = "") -> None:
        rows = layer_summary(model)
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            ksp = f"{r.kernel}×{r.kernel} / {r.stride} / {r.padding}" if r.kernel else ""
            values = [r.name, r.kind, r.shape_text(r.input_shape), r.shape_text(r.output_shape), ksp,
                      f"{r.params:,}", r.arithmetic]
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(v))
        total = count_parameters(model)
        self.total.setText(f"Total parameters: {total:,}")
        self.title.setText(f"<b>{name}</b> ({preset})" if name else preset)
