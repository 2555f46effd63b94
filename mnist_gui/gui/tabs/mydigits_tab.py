"""My digits tab: the samples the user taught, browsed by digit; delete a sample."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.core.storage import os_reason
from mnist_gui.gui import i18n
from mnist_gui.gui.dialogs import ask_before_deleting
from mnist_gui.gui.i18n import Retranslating
from mnist_gui.gui.qt_workspace import QtWorkspace
from mnist_gui.gui.widgets.images import array_to_qimage


class MyDigitsTab(Retranslating, QWidget):
    def __init__(self, qtws: QtWorkspace, parent=None):
        super().__init__(parent)
        self.ws = qtws.ws
        self.filterCombo = QComboBox(objectName="digitFilter")
        self.filterCombo.addItem("", None)
        for d in range(10):
            self.filterCombo.addItem("", d)
        self.filterLabel = QLabel()
        self.filterLabel.setBuddy(self.filterCombo)
        self.list = QListWidget(objectName="myDigitsList")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(56, 56))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.deleteButton = QPushButton(objectName="deleteDigitButton")
        self.countsLabel = QLabel(objectName="myCounts", wordWrap=True)
        top = QHBoxLayout()
        top.addWidget(self.filterLabel)
        top.addWidget(self.filterCombo)
        top.addWidget(self.deleteButton)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.countsLabel)
        lay.addWidget(self.list, 1)
        self.filterCombo.currentIndexChanged.connect(self.refresh)
        self.deleteButton.clicked.connect(self.delete_selected)
        # the Delete key on the list: the same question as the button
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list, self.delete_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self._loaded = False
        qtws.myDigitsChanged.connect(self.refresh)
        self.retranslate()

    def retranslate(self) -> None:
        self.filterLabel.setText(self.tr("Sho&w"))
        self.filterCombo.setItemText(0, self.tr("All digits"))
        for d in range(10):
            self.filterCombo.setItemText(d + 1, self.tr("Digit {0}").format(d))
        self.filterCombo.setAccessibleName(self.tr("Show digits"))
        self.list.setAccessibleName(self.tr("My digits"))
        self.deleteButton.setText(self.tr("Delete &selected"))
        if self._loaded:
            self.refresh()


    def showEvent(self, e) -> None:  # read My digits when first shown, not at start-up
        super().showEvent(e)
        if not self._loaded:
            self.refresh()

    def refresh(self) -> None:
        if not self.isVisible() and not self._loaded:
            return
        self._loaded = True
        my = self.ws.my_digits
        self.list.clear()
        for s in my.by_label(self.filterCombo.currentData()):
            # drawn at the list's icon size, pixels kept sharp: a QIcon never enlarges its pixmap, so the 28×28
            # inputs showed at half the size set (a newcomer's "tiny thumbnails")
            pixmap = QPixmap.fromImage(array_to_qimage(s.image)).scaled(
                self.list.iconSize(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
            item = QListWidgetItem(QIcon(pixmap), str(s.label))
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            item.setToolTip(self.tr("{0}, taught {1}").format(s.label, s.time))
            self.list.addItem(item)
        counts = my.counts()
        # where more come from, with the digits there too (My digits itself adds none: a newcomer looked for how)
        text = (self.tr("%n digit(s) taught: {0}", "", len(my)).format(i18n.join(f"{d}: {n}" for d, n in
                                                                           enumerate(counts)))
                + "\n" + self.tr("Teach more on the Draw tab: draw a digit, set “This is a” to it and press Remember.")
                if len(my)
                else self.tr("No digits taught yet. On the Draw tab, draw a digit, set “This is a” to it and press "
                             "Remember; then “Fine-tune on my digits” teaches the model your handwriting."))
        if my.skipped:
            text += " " + self.tr("(%n damaged record(s) skipped)", "", my.skipped)
        if my.problem:
            text += "\n" + my.problem
        self.countsLabel.setText(text)
        self.deleteButton.setEnabled(self.list.count() > 0)

    def delete_selected(self) -> QMessageBox | None:
        """Ask, then forget the selected digits; the question's box, or None when none is selected."""
        ids = [i.data(Qt.ItemDataRole.UserRole) for i in self.list.selectedItems()]
        if not ids:
            return None

        def delete() -> None:
            try:
                self.ws.forget(ids)
            except OSError as e:
                self.countsLabel.setText(self.tr("Could not delete: {0}").format(os_reason(e)))
        self.deleteBox = ask_before_deleting(self, self.tr("Delete %n taught digit(s) from My digits?", "", len(ids)),
                                             delete)
        return self.deleteBox
