"""My digits tab: the samples the user taught, browsed by digit; delete a sample."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

from mnist_gui.core.mydigits import MyDigits
from mnist_gui.gui.draw_tab import array_to_qimage


class MyDigitsTab(QWidget):
    changed = Signal()

    def __init__(self, my_digits: MyDigits, parent=None):
        super().__init__(parent)
        self.my_digits = my_digits
        self.filterCombo = QComboBox(objectName="digitFilter")
        self.filterCombo.addItem("All digits", None)
        for d in range(10):
            self.filterCombo.addItem(f"Digit {d}", d)
        self.list = QListWidget(objectName="myDigitsList")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(56, 56))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.deleteButton = QPushButton("Delete selected", objectName="deleteDigitButton")
        self.countsLabel = QLabel(objectName="myCounts", wordWrap=True)
        top = QHBoxLayout()
        top.addWidget(self.filterCombo)
        top.addWidget(self.deleteButton)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.countsLabel)
        lay.addWidget(self.list, 1)
        self.filterCombo.currentIndexChanged.connect(self.refresh)
        self.deleteButton.clicked.connect(self.delete_selected)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        for s in self.my_digits.by_label(self.filterCombo.currentData()):
            item = QListWidgetItem(QIcon(QPixmap.fromImage(array_to_qimage(s.image))), str(s.label))
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            item.setToolTip(f"{s.label}, taught {s.time}")
            self.list.addItem(item)
        counts = self.my_digits.counts()
        text = f"{len(self.my_digits)} digits taught: " + ", ".join(f"{d}: {n}" for d, n in enumerate(counts))
        if self.my_digits.skipped:
            text += f" ({self.my_digits.skipped} damaged record(s) skipped)"
        self.countsLabel.setText(text)
        self.deleteButton.setEnabled(self.list.count() > 0)

    def delete_selected(self) -> None:
        ids = [i.data(Qt.ItemDataRole.UserRole) for i in self.list.selectedItems()]
        for sid in ids:
            self.my_digits.delete(sid)
        if ids:
            self.refresh()
            self.changed.emit()
