"""Model tab: the network editor — every layer's volume worked out as you type — and the live feature maps.

The editor holds a network as a list of layers (core/spec.py); the kinds it offers and each kind's form
(fields, widgets, their ranges, a new layer's values) come from the kinds' table (core/layer_kinds.py).
Start from the live model or a preset; add, remove, move and edit layers. After each edit the core's
torch-free analysis gives every row its input and output volume with (W − F + 2P)/S + 1 worked out (for an
impossible size, the negative or fractional result and why), its parameters and multiply-adds, and the
problems that would stop training, in words. "Train this network" is disabled, with the reason, and there
is no total and no time per epoch while an error stands; otherwise it hands the network to the Train tab.
The time per epoch is measured in a worker (core/spec.py epoch_time: bounded, median and spread), and
given up with a word after ESTIMATE_GIVE_UP_MS.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QEvent, QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.core.presets import PRESETS
from mnist_gui.core.spec import (
    BATCH,
    KINDS,
    MAX_SIZE,
    PADDING_WORDS,
    Layer,
    NetworkSpec,
    analyse,
    epoch_time,
    problems,
    totals,
)
from mnist_gui.gui import i18n, theme
from mnist_gui.gui.core_strings import core_text, core_tr
from mnist_gui.gui.i18n import Retranslating
from mnist_gui.gui.jobs import JobRunner, Task
from mnist_gui.gui.qt_workspace import QtWorkspace
from mnist_gui.gui.widgets.feature_maps import FeatureMapsView

_PADDING_DIGITS = len(str(MAX_SIZE["padding"]))
ERROR_BG, ERROR_BG_DARK = QColor(255, 215, 215), QColor(120, 30, 30)
WARNING_BG, WARNING_BG_DARK = QColor(255, 240, 200), QColor(110, 85, 20)
ESTIMATE_DELAY_MS = 600   # time the network only once typing pauses
ESTIMATE_GIVE_UP_MS = 60_000   # no answer from the timing in this long (a busy machine): say so, stop it
LIVE = "live"
SETTINGS_COLUMN, PROBLEMS_COLUMN = 3, 9   # the layer table's free-text columns
# ... and the least width each keeps: a narrower table scrolls sideways rather than wrap them a few letters to
# a line (at 800×560 Settings was 25 px wide, "fi… 32, k… 5", each row 130 px high: a newcomer's tryout)
FREE_TEXT_LEAST = {SETTINGS_COLUMN: 160, PROBLEMS_COLUMN: 80}


def settings_text(d: dict) -> str:
    def shown(v):
        return core_tr("yes") if v is True else core_tr("no") if v is False else v
    return i18n.join(f"{core_tr(k)} {shown(v)}" for k, v in d.items() if k != "kind")


class NetworkEditor(Retranslating, QWidget):
    trainRequested = Signal(dict)   # {"layers": [...]}: train this network

    def __init__(self, qtws: QtWorkspace, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.ws = qtws.ws
        self.jobs = jobs
        self.layers: list[dict] = []
        self.rows = []
        self.edited = False           # True once the user changed something (a new live model then
        self._estimate_gen = 0        # does not replace the user's network)
        self._estimate_task: Task | None = None

        self.startCombo = QComboBox(objectName="startCombo")
        self.startCombo.addItem("", LIVE)
        for name in PRESETS:
            self.startCombo.addItem(name, name)
        self.startButton = QPushButton(objectName="startFromButton")
        self.table = QTableWidget(0, 10, objectName="layerTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        # The columns fit the table's width: the numbers and shapes take what they need; Settings and
        # Problems (free text) share the rest and wrap, their rows growing to hold them (_fit_free_text).
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for col in FREE_TEXT_LEAST:   # sized by _fit_free_text
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.viewport().installEventFilter(self)   # its resizes: _fit_free_text

        self.addKindCombo = QComboBox(objectName="addKindCombo")
        for kind in KINDS:
            self.addKindCombo.addItem(kind, kind)
        self.addButton = QPushButton(objectName="addLayerButton")
        self.removeButton = QPushButton(objectName="removeLayerButton")
        self.upButton = QPushButton(objectName="moveUpButton")
        self.downButton = QPushButton(objectName="moveDownButton")
        self.layerBox = QGroupBox(objectName="layerBox")
        self.layerForm = QFormLayout(self.layerBox)
        self.fieldWidgets: dict[str, QWidget] = {}

        self.totalsLabel = QLabel(objectName="totalParameters", wordWrap=True)
        self.estimateLabel = QLabel(objectName="estimateLabel")
        self.problemLabel = QLabel(objectName="problemLabel", wordWrap=True)
        self.trainButton = QPushButton(objectName="trainNetworkButton")
        self.explain = QLabel(wordWrap=True)

        top = QHBoxLayout()
        self.startLabel = QLabel()
        self.startLabel.setBuddy(self.startCombo)
        top.addWidget(self.startLabel)
        top.addWidget(self.startCombo)
        top.addWidget(self.startButton)
        top.addStretch(1)
        top.addWidget(self.addKindCombo)
        for b in (self.addButton, self.removeButton, self.upButton, self.downButton):
            top.addWidget(b)
        bottom = QHBoxLayout()
        info = QVBoxLayout()
        info.addWidget(self.totalsLabel)
        info.addWidget(self.estimateLabel)
        info.addWidget(self.problemLabel)
        info.addWidget(self.trainButton, 0, Qt.AlignmentFlag.AlignLeft)
        info.addWidget(self.explain)
        # The words beside the layer form wrap in their column and never size it: a new estimate ("about
        # 78 s", "measuring…") or a problem's text does not move the layer form sideways.
        for label in (self.totalsLabel, self.estimateLabel, self.problemLabel, self.explain):
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bottom.addLayout(info, 2)
        bottom.addWidget(self.layerBox, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addLayout(bottom)

        self._timer = QTimer(self, singleShot=True, interval=ESTIMATE_DELAY_MS)
        self._timer.timeout.connect(self._estimate)
        self._give_up_timer = QTimer(self, singleShot=True, interval=ESTIMATE_GIVE_UP_MS)
        self._give_up_timer.timeout.connect(self._give_up_estimate)
        self.startButton.clicked.connect(self.start_from_choice)
        self.addButton.clicked.connect(lambda: self.add_layer(self.addKindCombo.currentData()))
        self.removeButton.clicked.connect(self.remove_layer)
        self.upButton.clicked.connect(lambda: self.move_layer(-1))
        self.downButton.clicked.connect(lambda: self.move_layer(+1))
        self.trainButton.clicked.connect(lambda: self.trainRequested.emit({"layers": [dict(d) for d in self.layers]}))
        self.table.itemSelectionChanged.connect(self._on_selection)
        qtws.modelChanged.connect(self._on_model_changed)
        draft = self.ws.settings.get("model/draft")   # the network edited last time (a bad one was reported)
        if draft:
            self.set_layers(json.loads(draft), edited=True)
        elif self.ws.checkpoint is not None:   # made after the model went live
            self._on_model_changed(self.ws.checkpoint)
        theme.follow(self._on_theme)
        self.retranslate()

    def retranslate(self) -> None:
        self.startLabel.setText(self.tr("Start from"))
        self.startCombo.setItemText(0, self.tr("the live model"))
        self.startCombo.setAccessibleName(self.tr("Start from"))
        self.startButton.setText(self.tr("Start from &it"))
        self.table.setHorizontalHeaderLabels([
            "#", self.tr("Layer"), self.tr("Kind"), self.tr("Settings"), self.tr("Input"), self.tr("Output"),
            self.tr("Output size (W − F + 2P) / S + 1"), self.tr("Parameters"), self.tr("Multiply-adds"),
            self.tr("Problems")])
        self.table.setAccessibleName(self.tr("Layers"))
        self.table.horizontalHeader().setAccessibleName(self.tr("Columns"))
        self.addKindCombo.setAccessibleName(self.tr("Kind of layer to add"))
        self.addButton.setText(self.tr("Add &new layer"))
        self.removeButton.setText(self.tr("&Remove"))
        self.upButton.setText(self.tr("Move u&p"))
        self.downButton.setText(self.tr("Move do&wn"))
        self.trainButton.setText(self.tr("Train thi&s network"))
        self.explain.setText(self.tr(
            "Shapes are height × width × channels. A convolution or pooling layer with input width W, "
            "filter size F, padding P and stride S gives an output of width (W − F + 2P) / S + 1. "
            "'same' padding keeps the size (for a 5×5 filter, P = 2); each 2×2 pooling with stride 2 "
            "halves it."))
        self.refresh()
        self._on_selection()


    def _on_theme(self, _theme) -> None:
        self.refresh()

    # -- the network --------------------------------------------------------------------------
    def set_layers(self, layers, edited: bool = False) -> None:
        self.layers = [dict(d) for d in layers]
        self.edited = edited
        self._remember()
        self.refresh()
        self._on_selection()

    def _remember(self) -> None:
        """Keep the user's network across restarts (a network that follows the live model is not kept)."""
        self.ws.settings.set("model/draft", json.dumps(self.layers) if self.edited else "")

    def _on_model_changed(self, ck) -> None:
        if not self.edited:
            self.set_layers(ck.model_config.network().to_list())

    def start_from_choice(self) -> None:
        choice = self.startCombo.currentData()
        if choice == LIVE:
            if self.ws.checkpoint is not None:
                self.set_layers(self.ws.checkpoint.model_config.network().to_list())
        else:
            from mnist_gui.core.presets import ModelConfig
            self.set_layers(ModelConfig(preset=choice).network().to_list())

    def selected_row(self) -> int | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return min(rows) if rows else None

    def add_layer(self, kind: str) -> None:
        at = self.selected_row()
        at = len(self.layers) if at is None else at + 1
        self.layers.insert(at, self._new_layer(kind))
        self._changed(select=at)

    def remove_layer(self) -> None:
        r = self.selected_row()
        if r is not None:
            del self.layers[r]
            self._changed(select=min(r, len(self.layers) - 1))

    def move_layer(self, step: int) -> None:
        r = self.selected_row()
        if r is None or not 0 <= r + step < len(self.layers):
            return
        self.layers[r], self.layers[r + step] = self.layers[r + step], self.layers[r]
        self._changed(select=r + step)

    def set_field(self, row: int, name: str, value) -> None:
        """Edit one field of one layer (what the form's widgets do)."""
        if name == "kind":
            self.layers[row] = self._new_layer(value)
            self._changed(select=row)
            return
        self.layers[row][name] = value
        self._changed(select=None)

    @staticmethod
    def _new_layer(kind: str) -> dict:
        """A layer of this kind with its defaults, and a starting value for each field that has none."""
        starts = {p.name: p.start for p in KINDS[kind].params if p.start is not None}
        return Layer.from_dict({"kind": kind, **starts}).to_dict()

    def _changed(self, select: int | None) -> None:
        self.edited = True
        self._remember()
        self.refresh()
        if select is not None and 0 <= select < len(self.layers):
            self.table.selectRow(select)
            self._on_selection()

    def eventFilter(self, obj, e) -> bool:
        if e.type() == QEvent.Type.Resize and obj is self.table.viewport():
            self._fit_free_text()
        return super().eventFilter(obj, e)

    def _fit_free_text(self) -> None:
        """Settings and Problems take the width the other columns leave, Settings two thirds of it, each at
        least its FREE_TEXT_LEAST; where that is more than there is, the table scrolls sideways."""
        header = self.table.horizontalHeader()
        taken = sum(header.sectionSize(c) for c in range(self.table.columnCount()) if c not in FREE_TEXT_LEAST)
        room = self.table.viewport().width() - taken
        settings = max(FREE_TEXT_LEAST[SETTINGS_COLUMN], room * 2 // 3)
        for col, width in ((SETTINGS_COLUMN, settings),
                           (PROBLEMS_COLUMN, max(FREE_TEXT_LEAST[PROBLEMS_COLUMN], room - settings))):
            if header.sectionResizeMode(col) != QHeaderView.ResizeMode.Interactive:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)

    # -- analysis -------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._cancel_estimate()   # an estimate on its way is for the network as it was
        try:
            net = NetworkSpec(tuple(Layer.from_dict(d) for d in self.layers))
            self.rows = analyse(net, batch=BATCH)
        except ValueError as e:   # a field of the wrong type: cannot come from the form, but say it
            self.rows = []
            self.problemLabel.setText(str(e))
            self.trainButton.setEnabled(False)
            self.totalsLabel.setText("")
            self.estimateLabel.setText("")
            return
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            values = [str(r.index), r.name, r.kind, settings_text(r.layer.to_dict()), r.input_text, r.output_text,
                      self._arithmetic_text(r.arithmetic), f"{r.params:,}", f"{r.macs:,}",
                      i18n.join_clauses(core_text(p.message) for p in r.problems)]
            dark = theme.current().dark
            bg = (ERROR_BG_DARK if dark else ERROR_BG) if r.errors else \
                (WARNING_BG_DARK if dark else WARNING_BG) if r.warnings else None
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if bg is not None:
                    item.setBackground(bg)
                    item.setForeground(QColor(255, 255, 255) if dark else QColor(0, 0, 0))
                    item.setToolTip("\n".join(core_text(p.located) for p in r.problems))
                self.table.setItem(i, j, item)
        self._fit_free_text()   # the other columns' widths follow their contents
        errors = problems(self.rows, "error")
        t = totals(self.rows)
        self.totalsLabel.setText(
            self.tr("Total parameters: {0} ({1} of weights); {2} multiply-adds per image")
            .format(f"{t.params:,}", f"{t.weight_bytes / 1e6:.1f} MB", f"{t.macs:,}")
            if self.layers and all(r.output_shape is not None for r in self.rows)   # (a network too large to train
            else self.tr("Total parameters: none until every layer can work"))          # still has them)
        if not self.layers:
            errors_text = self.tr("The network has no layers.")
        elif errors:
            errors_text = self.tr("Training is disabled: {0}").format(core_text(errors[0].located))
        else:
            errors_text = ""
        self.problemLabel.setText(errors_text)
        self.trainButton.setEnabled(not errors_text)
        self.trainButton.setToolTip(errors_text or self.tr("Take this network to the Train tab"))
        self.estimateLabel.setText(self.tr("Time per epoch on this machine: measuring…") if not errors_text
                                   else "")
        if not errors_text:
            self._timer.start()

    def _arithmetic_text(self, text: str) -> str:
        """The row's (W − F + 2P)/S + 1, and for an impossible size why, in the window's words."""
        formula, sep, why = text.partition(": ")
        if not sep:
            return text
        words = {"the filter is larger than the input": self.tr("the filter is larger than the input"),
                 "the filter is larger than the padded input": self.tr("the filter is larger than the padded input")}
        return f"{formula}: {words.get(why, why)}"

    def _cancel_estimate(self) -> None:
        """Forget the estimate on its way (its answer is then ignored) and stop its timing."""
        self._estimate_gen += 1
        self._timer.stop()
        self._give_up_timer.stop()
        self._estimate_pending = False
        task, self._estimate_task = self._estimate_task, None
        if task is not None:
            try:
                task.stop()
            except RuntimeError:   # it has ended and been deleted in the meantime
                pass

    def _estimate(self) -> None:
        """Time the network (torch, in the background), only while the editor is on screen: a start that
        only draws never loads torch for it. Bounded twice: epoch_time stops timing after its budget, and
        after ESTIMATE_GIVE_UP_MS without an answer the label says so."""
        if not self.isVisible():
            self._estimate_pending = True
            return
        self._cancel_estimate()
        gen, layers = self._estimate_gen, [dict(d) for d in self.layers]
        task = Task(lambda _report, stop: (gen, epoch_time(NetworkSpec.from_dict(layers), should_stop=stop)))
        self._estimate_task = task
        self._give_up_timer.start()
        self.jobs.start(task, self, returned=self._on_estimate,
                        failed=lambda message: self._on_estimate_failed(gen, message))

    def _give_up_estimate(self) -> None:
        self._cancel_estimate()
        self.estimateLabel.setText(self.tr("Time per epoch on this machine: not measured (no answer in {0} s: "
                                           "the machine is busy or the network is very slow)")
                                   .format(ESTIMATE_GIVE_UP_MS // 1000))

    def _on_estimate_failed(self, gen: int, message: str) -> None:
        if gen != self._estimate_gen:
            return
        self._give_up_timer.stop()
        self._estimate_task = None
        self.estimateLabel.setText(self.tr("Time per epoch on this machine: not measured ({0})").format(message))

    def showEvent(self, e) -> None:
        super().showEvent(e)
        if getattr(self, "_estimate_pending", False):
            self._timer.start()

    def _on_estimate(self, out) -> None:
        gen, t = out
        if gen != self._estimate_gen:   # a later edit's estimate supersedes this one, or it was given up
            return
        self._give_up_timer.stop()
        self._estimate_task = None
        if t.too_slow:
            text = self.tr("Time per epoch on this machine: not measured: a step of {0} images would take about "
                           "{1} s, roughly {2} min per epoch").format(BATCH, f"{t.step_seconds:,.0f}",
                                                                      f"{t.seconds / 60:,.0f}")
        elif t.seconds is None:
            text = ""
        else:
            text = self.tr("Time per epoch on this machine: about {0} s ({1}–{2} s in {3} timings; 60,000 images, "
                           "batch {4}, forward and backward)").format(
                f"{t.seconds:,.0f}", f"{t.low:,.0f}", f"{t.high:,.0f}", t.timings, BATCH)
        self.estimateLabel.setText(text)

    # -- the selected layer's form --------------------------------------------------------------
    def _on_selection(self) -> None:
        while self.layerForm.rowCount():
            self.layerForm.removeRow(0)
        self.fieldWidgets = {}
        r = self.selected_row()
        has = r is not None and r < len(self.layers)
        for b in (self.removeButton, self.upButton, self.downButton):
            b.setEnabled(has)
        if not has:
            self.layerBox.setTitle(self.tr("Selected layer"))
            return
        d = self.layers[r]
        self.layerBox.setTitle(self.tr("Layer {0}").format(r + 1))
        kind = QComboBox(objectName="layerKindCombo")
        for k in KINDS:
            kind.addItem(k, k)
        kind.setCurrentIndex(kind.findData(d["kind"]))
        kind.currentIndexChanged.connect(lambda _i, w=kind: self.set_field(r, "kind", w.currentData()))
        self._add_field_row("kind", self.tr("Kind"), kind)
        for param in KINDS[d["kind"]].params:
            self._add_field_row(param.name, core_tr(param.name), self._field_widget(r, param, d[param.name]))

    def _add_field_row(self, name: str, label: str, w: QWidget) -> None:
        w.setAccessibleName(label)
        self.fieldWidgets[name] = w
        self.layerForm.addRow(label, w)

    def _field_widget(self, row: int, param, value) -> QWidget:
        """The widget for one field, by its type (core/layer_kinds.py Param), offering its editor range."""
        name, (low, high) = param.name, param.editor
        if param.type == "bool":
            w = QCheckBox(checked=bool(value))
            w.toggled.connect(lambda v: self.set_field(row, name, bool(v)))
        elif param.type == "rate":
            w = QDoubleSpinBox(decimals=2, minimum=low, maximum=high, singleStep=0.05, value=float(value))
            w.valueChanged.connect(lambda v: self.set_field(row, name, float(v)))
        elif param.type == "padding":
            w = QComboBox(editable=True)
            w.addItems(list(PADDING_WORDS) + ["0", "1", "2", "3"])
            # a word, or ASCII digits only (\d would take ² or ٣), as many as the largest padding has
            w.setValidator(QRegularExpressionValidator(QRegularExpression(
                f"{'|'.join(PADDING_WORDS)}|[0-9]{{1,{_PADDING_DIGITS}}}"), w))
            w.setCurrentText(str(value))
            w.currentTextChanged.connect(lambda text: self._set_padding(row, text))
        else:
            w = QSpinBox(minimum=int(low), maximum=int(high), value=int(value))
            w.valueChanged.connect(lambda v: self.set_field(row, name, int(v)))
        w.setObjectName(f"{name}Field")
        return w

    def _set_padding(self, row: int, text: str) -> None:
        text = text.strip()
        if text in PADDING_WORDS:
            self.set_field(row, "padding", text)
        elif text.isascii() and text.isdigit() and len(text) <= _PADDING_DIGITS:
            self.set_field(row, "padding", int(text))
        else:   # not a padding: training stays off until it is one again
            self.problemLabel.setText(self.tr("padding is a number, 'same' or 'valid'"))
            self.trainButton.setEnabled(False)


class ModelTab(Retranslating, QWidget):
    trainRequested = Signal(dict)

    def __init__(self, qtws: QtWorkspace, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.ws = qtws.ws
        self.title = QLabel(objectName="modelTitle", wordWrap=True)
        self.editor = NetworkEditor(qtws, jobs)
        self.table = self.editor.table
        self.total = self.editor.totalsLabel
        self.featureMaps = FeatureMapsView()
        self.views = QTabWidget(objectName="modelViews")
        self.views.addTab(self.editor, "")
        self.views.addTab(self.featureMaps, "")
        self.input28 = None
        self._stale = True
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.views, 1)
        self.views.currentChanged.connect(lambda _i: self._refresh_maps())
        self.editor.trainRequested.connect(self.trainRequested)
        qtws.modelChanged.connect(self.set_model)
        if self.ws.checkpoint is not None:   # made after the model went live
            self.set_model(self.ws.checkpoint)
        self.retranslate()

    def retranslate(self) -> None:
        self.views.setTabText(0, self.tr("Layers and shapes (editable)"))
        self.views.setTabText(1, self.tr("Feature maps (live)"))
        self.views.setAccessibleName(self.tr("Model views"))
        if self.ws.checkpoint is not None:
            self.set_model(self.ws.checkpoint)


    def network(self) -> dict | None:
        """The network shown (and edited) here, as "Train this network" passes it: {"layers": [...]}; None
        when there is none. The Train tab's Architecture "custom" trains it."""
        layers = self.editor.layers
        return {"layers": [dict(d) for d in layers]} if layers else None

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
        self._stale = True
        self._refresh_maps()
        self.title.setText(self.tr("Live model: <b>{0}</b> ({1})").format(ck.name, ck.model_config.preset))
