"""MainWindow: tabs, menus, settings and the live model."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QImage, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QTabWidget

from mnist_gui import config
from mnist_gui.core.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from mnist_gui.core.models import ModelConfig, build_model
from mnist_gui.core.mydigits import MyDigits, finetune_plan
from mnist_gui.core.predictor import Predictor
from mnist_gui.core.runs import RunRecord
from mnist_gui.gui.data_tab import DataTab
from mnist_gui.gui.draw_tab import DrawTab
from mnist_gui.gui.evaluate_tab import EvaluateTab
from mnist_gui.gui.model_tab import ModelTab
from mnist_gui.gui.mydigits_tab import MyDigitsTab
from mnist_gui.gui.training_tab import TrainingTab

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)"
MODEL_FILTER = "mnist-gui models (*.pt);;All files (*)"


def settings() -> QSettings:
    """Settings live in an ini file in the per-user folder (under MNIST_GUI_HOME when set)."""
    path = config.app_home() / "settings.ini"
    return QSettings(str(path), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    modelChanged = Signal(object)  # the new live Checkpoint

    def __init__(self, model_path: str | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings()
        self.checkpoint: Checkpoint | None = None
        self.lastMessage: QMessageBox | None = None
        self._keep_box: QMessageBox | None = None

        ck, problem = self._initial_checkpoint(model_path)
        self.predictor = Predictor(ck.model)

        self.myDigits = MyDigits()
        self.tabs = QTabWidget(objectName="tabs")
        self.drawTab = DrawTab(self.predictor, self.myDigits)
        self.trainTab = TrainingTab()
        self.modelTab = ModelTab()
        self.myDigitsTab = MyDigitsTab(self.myDigits)
        self.evaluateTab = EvaluateTab()
        self.dataTab = DataTab()
        self.tabs.addTab(self.drawTab, "Draw")
        self.tabs.addTab(self.trainTab, "Train")
        self.tabs.addTab(self.modelTab, "Model")
        self.tabs.addTab(self.evaluateTab, "Evaluate")
        self.tabs.addTab(self.dataTab, "Data")
        self.tabs.addTab(self.myDigitsTab, "My digits")
        self.setCentralWidget(self.tabs)
        self.modelLabel = QLabel(objectName="modelLabel")
        self.statusBar().addPermanentWidget(self.modelLabel)

        self._build_menus()
        self.drawTab.canvas.imageDropped.connect(self.open_image)
        self.drawTab.taught.connect(self._on_taught)
        self.drawTab.predicted.connect(lambda _p: self.modelTab.set_input(self.predictor, self.drawTab.input28))
        self.evaluateTab.openInCanvas.connect(self._open_in_canvas)
        self.dataTab.dataLoaded.connect(self._share_data)
        self.evaluateTab.evaluated.connect(lambda _e: self._share_data(self.evaluateTab.data))
        self.drawTab.finetuneRequested.connect(self.finetune)
        self.myDigitsTab.changed.connect(self.drawTab.update_my_count)
        self.trainTab.runStarted.connect(lambda: self.drawTab.finetuneButton.setEnabled(False))
        self.trainTab.runFinished.connect(lambda _r: self.drawTab.update_my_count())
        self.trainTab.runFinished.connect(self._on_run_finished)
        self.trainTab.runsPanel.makeLiveRequested.connect(self._on_make_run_live)
        self.trainTab.dataFolderChosen.connect(lambda f: self.settings.setValue("data/dir", f))
        self.trainTab.data_dir = self.settings.value("data/dir", None) or None
        self.trainTab.dataFolderChosen.connect(self._set_data_dir)
        self._set_data_dir(self.trainTab.data_dir)

        pen = self.settings.value("draw/penWidth", None)
        if pen is not None:
            self.drawTab.penWidth.setValue(int(pen))
        geom = self.settings.value("window/geometry")
        if geom is not None:
            self.restoreGeometry(geom)
        else:
            self.resize(1000, 680)
        self.set_checkpoint(ck, remember=False)
        if problem:
            self.show_message("Could not open the last model", problem, QMessageBox.Icon.Warning)

    # -- model ------------------------------------------------------------------------------
    def _initial_checkpoint(self, model_path: str | None) -> tuple[Checkpoint, str]:
        candidates = [model_path] if model_path else []
        remembered = self.settings.value("model/path", None)
        if remembered and not model_path:
            candidates.append(remembered)
        problems = []
        for p in candidates:
            try:
                return load_checkpoint(p), ""
            except CheckpointError as e:
                problems.append(str(e))
        try:
            return load_checkpoint(config.SHIPPED_MODEL), "; ".join(problems)
        except CheckpointError as e:
            problems.append(str(e))
            model = build_model(ModelConfig())
            model.eval()
            return (Checkpoint(model=model, model_config=ModelConfig(), meta={"name": "untrained"}),
                    "; ".join(problems) + ". Using an untrained model: train one on the Train tab.")

    def set_checkpoint(self, ck: Checkpoint, remember: bool = True) -> None:
        self.checkpoint = ck
        self.predictor.set_model(ck.model)
        acc = ck.test_accuracy
        acc_text = f"test accuracy {acc:.2%}" if acc is not None else "not evaluated"
        self.modelLabel.setText(f"Model: {ck.name} ({ck.model_config.preset}), {acc_text}")
        self.setWindowTitle(f"mnist-gui — {ck.name} ({acc_text})")
        self.modelTab.set_model(ck.model, ck.name, ck.model_config.preset)
        self.evaluateTab.set_model(ck.model)
        self.drawTab.update_prediction()
        if remember:
            self.settings.setValue("model/path", str(ck.path) if ck.path else "")
        self.modelChanged.emit(ck)

    def open_model(self, path: str | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Open model", str(config.models_dir()), MODEL_FILTER)
        if not path:
            return False
        try:
            ck = load_checkpoint(path)
        except CheckpointError as e:
            self.show_message("Could not open model", f"{e}\n\nThe current model stays loaded.",
                              QMessageBox.Icon.Warning)
            return False
        self.set_checkpoint(ck)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def save_model_as(self, path: str | None = None) -> bool:
        if not path:
            default = str(config.models_dir() / f"{self.checkpoint.name}.pt")
            path, _ = QFileDialog.getSaveFileName(self, "Save model as", default, MODEL_FILTER)
        if not path:
            return False
        if not path.endswith(".pt"):
            path += ".pt"
        ck = self.checkpoint
        try:
            save_checkpoint(path, ck.model, ck.model_config, ck.train_config, ck.metrics, ck.history,
                            name=Path(path).stem)
        except CheckpointError as e:
            self.show_message("Could not save model", str(e), QMessageBox.Icon.Warning)
            return False
        ck.path = Path(path)
        self.settings.setValue("model/path", path)
        self.statusBar().showMessage(f"Saved model to {path}", 5000)
        return True

    def reset_to_shipped(self) -> None:
        self.open_model(str(config.SHIPPED_MODEL))

    def open_image(self, path: str | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Open image", "", IMAGE_FILTER)
        if not path:
            return False
        img = QImage(path)
        if img.isNull():
            self.show_message("Could not open image", f"{path}: not a readable image", QMessageBox.Icon.Warning)
            return False
        self.tabs.setCurrentWidget(self.drawTab)
        self.drawTab.show_image(img)
        if self.drawTab.input28 is None:
            self.statusBar().showMessage(f"{path}: no ink found", 5000)
        return True

    def _set_data_dir(self, folder) -> None:
        self.evaluateTab.data_dir = self.dataTab.data_dir = folder

    def _share_data(self, data) -> None:
        """MNIST, once loaded by one tab, serves the others."""
        if data is None:
            return
        if self.evaluateTab.data is None:
            self.evaluateTab.data = data
        if self.trainTab.data is None:
            self.trainTab.data = data
        if self.dataTab.data is None:
            self.dataTab.set_data(data)

    def _open_in_canvas(self, image: QImage) -> None:
        self.tabs.setCurrentWidget(self.drawTab)
        self.drawTab.show_image(image)

    # -- My digits ----------------------------------------------------------------------------
    def _on_taught(self, sample) -> None:
        self.myDigitsTab.refresh()
        self.statusBar().showMessage(f"Stored a {sample.label} in My digits ({len(self.myDigits)} in all)", 5000)

    def finetune(self) -> bool:
        """Fine-tune the live model on My digits mixed with MNIST, in the background."""
        if self.trainTab.is_running() or not len(self.myDigits):
            return False
        ck = self.checkpoint
        cfg, extra = finetune_plan(self.myDigits, ck.model_config.preset, ck.model_config.dropout)
        self.trainTab.append_log(f"fine-tuning on {len(self.myDigits)} of my digits mixed with MNIST")
        self.statusBar().showMessage("Fine-tuning on My digits in the background…", 5000)
        return self.trainTab.start_training(cfg, init_state=ck.model.state_dict(), extra_train=extra)

    # -- training results -------------------------------------------------------------------
    def _record_run(self, result: dict) -> RunRecord | None:
        """Every run that trained is recorded in the user folder, with its checkpoint when it has one."""
        if result.get("status") not in ("finished", "stopped", "diverged"):
            return None
        model_cfg = ModelConfig.from_dict({"preset": result["config"]["preset"],
                                           "dropout": result["config"]["dropout"]})
        save = None
        if result.get("state_dict") is not None:
            def save(path, r=result, mcfg=model_cfg):
                model = build_model(mcfg)
                model.load_state_dict(r["state_dict"])
                save_checkpoint(path, model, mcfg, r["config"], r.get("metrics") or {}, r.get("history") or {},
                                name=path.parent.name)
        try:
            rec = self.trainTab.runsPanel.store.record(result["status"], result["config"],
                                                       result.get("metrics") or {}, result.get("history") or {},
                                                       result.get("seconds", 0.0), save)
        except (OSError, CheckpointError) as e:
            self.trainTab.append_log(f"could not record the run: {e}")
            return None
        self.trainTab.runsPanel.refresh()
        return rec

    def _on_make_run_live(self, run: RunRecord) -> None:
        self.open_model(str(run.model_path))

    def _on_run_finished(self, result: dict) -> None:
        status = result.get("status")
        rec = self._record_run(result)
        result["run"] = rec
        if status == "finished" and result.get("state_dict") is not None:
            ck = self._adopt(result)
            acc = ck.test_accuracy
            self.statusBar().showMessage(
                f"The new model is live: test accuracy {acc:.2%}" if acc is not None else "The new model is live",
                10000)
            self.trainTab.append_log(f"the new model is live; saved to {ck.path}")
        elif status == "stopped" and result.get("state_dict") is not None:
            box = QMessageBox(QMessageBox.Icon.Question, "Training stopped",
                              f"{result['message']}.\nKeep this partly trained model as the live model?",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
            box.setObjectName("keepStoppedBox")
            box.finished.connect(lambda code, r=result: self._on_keep_answer(code, r))
            self._keep_box = box
            box.open()
        elif status in ("diverged", "failed"):
            self.show_message("Training failed" if status == "failed" else "Training diverged",
                              f"{result['message']}\n\nThe previous model stays live.", QMessageBox.Icon.Warning)

    def _on_keep_answer(self, code: int, result: dict) -> None:
        self._keep_box = None
        if code == QMessageBox.StandardButton.Yes:
            ck = self._adopt(result)
            self.trainTab.append_log(f"kept the stopped run's model; saved to {ck.path}")
        else:
            self.trainTab.append_log("discarded the stopped run's model")

    def _adopt(self, result: dict) -> Checkpoint:
        mcfg = ModelConfig.from_dict({"preset": result["config"]["preset"],
                                      "dropout": result["config"]["dropout"]})
        model = build_model(mcfg)
        model.load_state_dict(result["state_dict"])
        model.eval()
        rec = result.get("run")
        name = rec.id if rec is not None else time.strftime(f"{mcfg.preset}-%Y%m%d-%H%M%S")
        path = rec.model_path if rec is not None else None
        ck = Checkpoint(model=model, model_config=mcfg, train_config=result["config"],
                        metrics=result.get("metrics") or {}, history=result.get("history") or {},
                        meta={"name": name}, path=path)
        if path is None:
            self.show_message("Could not save the new model", "see the Train tab's log", QMessageBox.Icon.Warning)
        self.set_checkpoint(ck, remember=ck.path is not None)
        return ck

    # -- chrome -----------------------------------------------------------------------------
    def show_message(self, title: str, text: str, icon=QMessageBox.Icon.Information) -> QMessageBox:
        """A non-blocking message box (kept in self.lastMessage) and a status-bar line."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("messageBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.lastMessage = box
        self.lastMessageText = f"{title}: {text}"
        self.statusBar().showMessage(text.splitlines()[0], 10000)
        box.open()
        return box

    def _action(self, menu, text, slot, shortcut=None, name=None) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
        a.triggered.connect(lambda checked=False: slot())
        if name:
            a.setObjectName(name)
        menu.addAction(a)
        return a

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("&File")
        self.openModelAction = self._action(m, "&Open model…", self.open_model, QKeySequence("Ctrl+O"),
                                            "openModelAction")
        self.saveModelAction = self._action(m, "&Save model as…", self.save_model_as, QKeySequence("Ctrl+S"),
                                            "saveModelAction")
        self.resetModelAction = self._action(m, "&Reset to shipped model", self.reset_to_shipped,
                                             name="resetModelAction")
        m.addSeparator()
        self._action(m, "Open &image…", self.open_image, QKeySequence("Ctrl+I"), "openImageAction")
        m.addSeparator()
        self._action(m, "&Quit", self.close, QKeySequence("Ctrl+Q"), "quitAction")
        e = self.menuBar().addMenu("&Edit")
        self.undoAction = self._action(e, "&Undo stroke", self.drawTab.canvas.undo, QKeySequence("Ctrl+Z"),
                                       "undoAction")
        self.clearAction = self._action(e, "&Clear canvas", self.drawTab.canvas.clear,
                                        [QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Escape)],
                                        "clearAction")

    def closeEvent(self, e: QCloseEvent) -> None:
        if self.trainTab.is_running():
            self.trainTab.shutdown()
        self.evaluateTab.shutdown()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("draw/penWidth", self.drawTab.penWidth.value())
        self.settings.sync()
        super().closeEvent(e)
