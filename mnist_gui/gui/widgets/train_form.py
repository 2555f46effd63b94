"""The Train tab's form: the recipe, then one widget per field of the core's field table (FieldForm over
core/recipes.py FIELDS, the same table that makes the command line's options).

Every value typed is remembered (settings `train/recipe`, `train/form`) and shown again after a restart.
While a fine-tune runs the form shows the fine-tune's recipe, and its own values again afterwards.
"""

from __future__ import annotations

import json
from dataclasses import replace

from PySide6.QtWidgets import QComboBox, QGroupBox, QLabel

from mnist_gui.core.recipes import CUSTOM, TRAINING_RECIPES, TrainConfig
from mnist_gui.core.workspace import Workspace
from mnist_gui.gui.core_strings import core_tr
from mnist_gui.gui.widgets.field_form import FieldForm


class TrainForm(QGroupBox):
    def __init__(self, ws: Workspace, parent=None):
        super().__init__(parent)
        self.ws = ws
        self._own: TrainConfig | None = None   # the form's own values while it shows a fine-tune's
        self.recipeCombo = QComboBox(objectName="recipeCombo")
        for rid in TRAINING_RECIPES:
            self.recipeCombo.addItem("", rid)
        self.form = FieldForm()
        self.recipeLabel = QLabel()
        self.recipeLabel.setBuddy(self.recipeCombo)
        self.form.insertRow(0, self.recipeLabel, self.recipeCombo)
        self.setLayout(self.form)
        recipe = ws.settings.get("train/recipe")
        self.recipeCombo.setCurrentIndex(self.recipeCombo.findData(recipe if recipe in TRAINING_RECIPES
                                                                   else ws.default_recipe))
        saved = ws.settings.get("train/form")   # the values typed last time (a bad one was reported)
        self.apply_config(TrainConfig.from_dict(json.loads(saved)) if saved
                          else ws.recipes[self.recipeCombo.currentData()].config)
        self.recipeCombo.currentIndexChanged.connect(self._on_recipe)
        for w in self.form.widgets.values():   # every value typed is kept across restarts
            for name in ("valueChanged", "currentIndexChanged", "toggled"):
                if hasattr(w, name):
                    getattr(w, name).connect(self._remember)

    def retranslate(self) -> None:
        for i, rid in enumerate(TRAINING_RECIPES):
            r = self.ws.recipes[rid]
            self.recipeCombo.setItemText(i, core_tr(r.label))
            self.recipeCombo.setItemData(i, core_tr(r.description), 3)  # tooltip
        self.recipeCombo.setAccessibleName(self.tr("Recipe"))
        self.recipeLabel.setText(self.tr("&Recipe"))
        self.form.retranslate()
        self.setTitle(self.tr("Hyperparameters: fine-tuning the live model on My digits")
                      if self.finetuning else self.tr("Hyperparameters"))

    def _on_recipe(self, _index: int) -> None:
        rid = self.recipeCombo.currentData()
        self.ws.settings.set("train/recipe", rid)
        self.apply_config(self.ws.recipes[rid].config)

    def apply_config(self, cfg: TrainConfig) -> None:
        self.form.set_values(cfg)
        self._base = cfg
        self._remember()

    def _remember(self, *_args) -> None:
        if not self.finetuning:   # a fine-tune's recipe shown for a while is not what the user typed
            self.ws.settings.set("train/form", json.dumps(self.config().to_dict()))

    def config(self) -> TrainConfig:
        values = self.form.values()
        cfg = self._base.with_overrides(**values)
        if values["preset"] != CUSTOM:   # a preset chosen again: the edited network no longer applies
            cfg = replace(cfg, arch=None)
        return cfg

    def set_enabled(self, on: bool) -> None:
        self.recipeCombo.setEnabled(on)
        self.form.set_enabled(on)

    @property
    def finetuning(self) -> bool:
        return self._own is not None

    def show_finetune(self, cfg: TrainConfig) -> None:
        """Show the fine-tune's recipe while it runs; end_finetune() puts the form's own values back."""
        self._own = self.config()
        self.form.set_values(cfg)
        self.retranslate()

    def end_finetune(self) -> None:
        if self._own is not None:
            own, self._own = self._own, None
            self.apply_config(own)
            self.retranslate()
