"""FieldForm: one form row per training field (core/recipes.py FIELDS), the same table that makes the
command line's options: a spin box, a combo box or a check box each, greyed out where the other values
make it have no effect."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QWidget

from mnist_gui.core.recipes import FIELDS, Field, TrainConfig
from mnist_gui.gui.core_strings import choice_text, core_tr


def _object_name(f: Field) -> str:
    """max_steps -> maxStepsSpin, preset -> presetCombo, augment -> augmentCheck."""
    head, *rest = f.name.split("_")
    suffix = {"choice": "Combo", "bool": "Check"}.get(f.kind, "Spin")
    return head + "".join(w.capitalize() for w in rest) + suffix


class FieldForm(QFormLayout):
    """One row per training field: a spin box, a combo box or a check box, made from the Field."""

    def __init__(self):
        super().__init__()
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        for f in FIELDS:
            w = self._widget(f)
            w.setObjectName(_object_name(f))
            self.widgets[f.name] = w
            label = QLabel()
            label.setBuddy(w)
            self.labels[f.name] = label
            self.addRow(label, w)
        self._enabled = True
        for f in FIELDS:   # a field that has no effect with the others' values is greyed out
            if f.used_when is not None:
                w = self.widgets[f.used_when[0]]
                w.currentIndexChanged.connect(self._update_used)
        self.retranslate()

    def retranslate(self) -> None:
        """Labels, help and choices come from the core's field table, translated in the "core" context."""
        for f in FIELDS:
            w, label, help_ = self.widgets[f.name], core_tr(f.label), core_tr(f.help)
            self.labels[f.name].setText(label)
            w.setToolTip(help_)
            w.setAccessibleName(label)
            w.setAccessibleDescription(help_)
            if f.kind == "choice":
                for i in range(w.count()):
                    w.setItemText(i, choice_text(w.itemData(i)))
            elif f.optional:
                w.setSpecialValueText(core_tr(f.none_text))

    @staticmethod
    def _widget(f: Field) -> QWidget:
        if f.kind == "choice":
            w = QComboBox()
            for c in f.choices:
                w.addItem(c, c)
            return w
        if f.kind == "bool":
            return QCheckBox()
        if f.kind == "int":
            w = QSpinBox(minimum=int(f.minimum) - (1 if f.optional else 0), maximum=int(f.maximum),
                         singleStep=int(f.step))
        else:
            w = QDoubleSpinBox(decimals=f.decimals, singleStep=f.step, maximum=f.maximum,
                               minimum=f.minimum if f.min_inclusive else f.minimum + 10 ** -f.decimals)
        if f.optional:
            w.setSpecialValueText(f.none_text)
        return w

    def set_values(self, cfg: TrainConfig) -> None:
        for f in FIELDS:
            w, v = self.widgets[f.name], getattr(cfg, f.name)
            if f.kind == "choice":
                w.setCurrentIndex(max(0, w.findData(v)))
            elif f.kind == "bool":
                w.setChecked(bool(v))
            else:
                w.setValue(w.minimum() if v is None else v)
        self._update_used()

    def values(self) -> dict:
        out = {}
        for f in FIELDS:
            w = self.widgets[f.name]
            if f.kind == "choice":
                out[f.name] = w.currentData()
            elif f.kind == "bool":
                out[f.name] = w.isChecked()
            else:
                out[f.name] = None if f.optional and w.value() == w.minimum() else w.value()
        return out

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
        for w in self.widgets.values():
            w.setEnabled(enabled)
        self._update_used()

    def _update_used(self, *_args) -> None:
        values = {f.name: self.widgets[f.name].currentData() for f in FIELDS if f.kind == "choice"}
        for f in FIELDS:
            if f.used_when is not None:
                self.widgets[f.name].setEnabled(self._enabled and f.used(values))
                self.labels[f.name].setEnabled(self._enabled and f.used(values))
