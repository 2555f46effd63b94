"""Model tab: the live model's layers, the shape of every volume, and (W−F+2P)/S+1 worked out."""

from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem,
                               QTabWidget, QVBoxLayout, QWidget)

from mnist_gui.gui.feature_maps import FeatureMapsView
from mnist_gui.gui.qt_workspace import QtWorkspace


class ModelTab(QWidget):
    def __init__(self, qtws: QtWorkspace, parent=None):
        super().__init__(parent)
        self.ws = qtws.ws
        columns = [self.tr("Layer"), self.tr("Kind"), self.tr("Input"), self.tr("Output"),
                   self.tr("Kernel / stride / padding"), self.tr("Parameters"),
                   self.tr("Output size (W − F + 2P) / S + 1")]
        self.title = QLabel(objectName="modelTitle", wordWrap=True)
        self.table = QTableWidget(0, len(columns), objectName="layerTable")
        self.table.setHorizontalHeaderLabels(columns)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.total = QLabel(objectName="totalParameters")
        self.explain = QLabel(self.tr(
            "Shapes are height × width × channels. A convolution or pooling layer with input width W, "
            "filter size F, padding P and stride S gives an output of width (W − F + 2P) / S + 1. "
            "'same' padding for a 5×5 filter is P = 2, so the convolutions keep the size; each 2×2 "
            "pooling with stride 2 halves it."), wordWrap=True)
        layers = QWidget()
        ll = QVBoxLayout(layers)
        ll.addWidget(self.table, 1)
        ll.addWidget(self.total)
        ll.addWidget(self.explain)
        self.featureMaps = FeatureMapsView()
        self.views = QTabWidget(objectName="modelViews")
        self.views.addTab(layers, self.tr("Layers and shapes"))
        self.views.addTab(self.featureMaps, self.tr("Feature maps (live)"))
        self.input28 = None
        self._stale = True
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.views, 1)
        self.views.currentChanged.connect(lambda _i: self._refresh_maps())
        qtws.modelChanged.connect(self.set_model)

    def set_input(self, img28) -> None:
        """The current drawing; feature maps are computed only while they are on screen."""
        self.input28, self._stale = img28, True
        self._refresh_maps()

    def _refresh_maps(self) -> None:
        if not self._stale or not self.featureMaps.isVisible():
            return
        self._stale = False
        predictor = self.ws.predictor
        acts = None if self.input28 is None or predictor is None else predictor.activations(self.input28)
        self.featureMaps.set_activations(acts)

    def showEvent(self, e) -> None:
        super().showEvent(e)
        self._refresh_maps()

    def set_model(self, ck) -> None:
        from mnist_gui.core.models import count_parameters, layer_summary
        model, name, preset = ck.model, ck.name, ck.model_config.preset
        self._stale = True
        self._refresh_maps()
        rows = layer_summary(model)
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            ksp = f"{r.kernel}×{r.kernel} / {r.stride} / {r.padding}" if r.kernel else ""
            values = [r.name, r.kind, r.shape_text(r.input_shape), r.shape_text(r.output_shape), ksp,
                      f"{r.params:,}", r.arithmetic]
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(v))
        total = count_parameters(model)
        self.total.setText(self.tr("Total parameters: {0}").format(f"{total:,}"))
        self.title.setText(f"<b>{name}</b> ({preset})" if name else preset)
