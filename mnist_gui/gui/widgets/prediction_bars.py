"""PredictionBars: a core/reading.Reading shown: the ten probabilities as bars (pyqtgraph), the top digit large
(in number mode the number) with its confidence; "not sure", "not a digit" or "too small" (its verdict) instead when the app should not
claim one. It only renders: no network runs here."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from mnist_gui.core.handwriting.numbers import MINUS_SIGN
from mnist_gui.core.reading import Reading, Verdict
from mnist_gui.gui import theme
from mnist_gui.gui.i18n import Retranslating
from mnist_gui.gui.widgets.plots import Plot

FIT_CHARS = 8   # characters of a number shown at the big figure's full size


def number_markup(reading: Reading, plain: bool = False) -> str:
    """A number read, as rich text: a digit it is not sure of greyed, a part that is not a digit a grey "?", the
    minus sign (U+2212) and the point where they are. The big figure above the bars and the line under the canvas
    show it alike. plain: the same characters without the grey ("4?2", for the screen reader)."""
    grey = "#{:02x}{:02x}{:02x}".format(*theme.current().unsure)
    number = reading.number
    assert number is not None
    big = []
    for d, why in zip(number.digits, reading.digit_verdicts):
        shown = "?" if why.refused else str(d.digit)
        big.append(shown if plain or why is Verdict.SURE else f"<span style='color:{grey}'>{shown}</span>")
    if number.point is not None:
        big.insert(number.point, ".")
    if number.negative:
        big.insert(0, MINUS_SIGN)
    return "".join(big)


class PredictionBars(Retranslating, QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("predictionBars")
        self._reading: Reading | None = None
        self._loading = False
        self._numberMode = False   # nothing drawn says "Write a number" (set_number_mode)
        self.doubt: Verdict | None = None   # the verdict when it is not "sure"

        self.topLabel = QLabel("–")
        self.topLabel.setObjectName("topDigit")
        self.topLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        f = QFont()
        f.setPointSize(40)
        f.setBold(True)
        self.topLabel.setFont(f)
        self.topLabel.setTextFormat(Qt.TextFormat.RichText)   # a number's unsure digits greyed (number_markup)
        self.topLabel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)   # never wider
        self.confidenceLabel = QLabel()
        self.confidenceLabel.setObjectName("confidence")
        self.confidenceLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # a long caption ("Too small to read: …  (the last stroke)" in number mode's narrow column)
        # wraps instead of widening the column over the canvas
        self.confidenceLabel.setWordWrap(True)
        self.confidenceLabel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        # what the live network reads alone, under the joined reading: a network trained for one step read a 7
        # as "7, 100% sure" through the pen-path readers, and nothing showed that the network itself did not know
        self.networkLabel = QLabel(objectName="networkAlone", alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.networkLabel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.networkLabel.hide()

        self.plot = Plot("predictionPlot", mouse=False)
        self.plot.setMenuEnabled(False)
        self.plot.setYRange(0, 1, padding=0.02)
        self.plot.setXRange(-0.6, 9.6, padding=0)
        ax = self.plot.getAxis("bottom")
        ax.setTicks([[(i, str(i)) for i in range(10)]])
        self.plot.setMinimumSize(300, 160)   # room for number mode's two-line caption in Chinese at 1,000×680
        self._bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7,
                                     brushes=[pg.mkBrush(*theme.current().bar)] * 10, pen=pg.mkPen(None))
        self.plot.addItem(self._bars)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.topLabel)
        lay.addWidget(self.confidenceLabel)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.networkLabel)
        theme.follow(self._on_theme)
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Prediction"))
        self.plot.setAccessibleName(self.tr("Probability of each digit"))
        self.plot.getAxis("left").setLabel(self.tr("probability"))
        self.plot.setToolTip(self.tr("The probability of each digit: the network's, joined for a drawing with "
                                     "those of the readers of the pen's path (the line below says what the network "
                                     "reads alone). The digit read is drawn in orange when it is sure, in grey when "
                                     "it is not sure (the words above say which digits it hesitates between); a "
                                     "drawing that is not a digit shows no bars."))
        self._show()


    def _on_theme(self, t) -> None:
        if hasattr(self, "_bars"):
            self._show()

    def _show(self) -> None:
        """Bars, labels and the accessible description for the current state, in the current language
        and theme."""
        if self._loading:
            self.show_loading()
        else:
            self.show_reading(self._reading)

    def probabilities(self) -> list[float] | None:
        """The ten current probabilities, or None when nothing is drawn."""
        return None if self._reading is None else [float(p) for p in self._reading.probabilities]

    def show_reading(self, reading: Reading | None) -> None:
        """Show a reading (None: nothing drawn)."""
        if reading is None:
            self.clear()
            return
        p = np.asarray(reading.probabilities, dtype=np.float64).reshape(10)
        self._reading, self._loading = reading, False
        order = np.argsort(p)[::-1]
        top, second = int(order[0]), int(order[1])
        sure = reading.verdict is Verdict.SURE
        self.doubt = None if sure else reading.verdict
        t = theme.current()
        brushes = [pg.mkBrush(*t.bar)] * 10
        brushes[top] = pg.mkBrush(*(t.top if sure else t.unsure))
        # refused (not a digit, too small): no bars; a full-height bar at its closest digit said the opposite
        # of the words
        self._bars.setOpts(height=np.zeros(10) if reading.verdict.refused else p, brushes=brushes)
        if sure:
            self.topLabel.setText(str(top))
            self.confidenceLabel.setText(self.tr("{0} sure").format(f"{p[top]:.1%}"))
            self._describe(self.tr("{0}, {1} sure").format(top, f"{p[top]:.0%}"))
        elif self.doubt is Verdict.TOO_SMALL:
            self.topLabel.setText("?")
            self.confidenceLabel.setText(self.tr("Too small to read: draw the digit larger"))
            self._describe(self.confidenceLabel.text())
        elif reading.verdict.refused:   # the ink checks and the digit gates say it in the same words
            self.topLabel.setText("?")
            self.confidenceLabel.setText(self.tr("Not a digit (closest: {0})").format(top))
            self._describe(self.confidenceLabel.text())
        else:
            self.topLabel.setText("?")
            why = self.tr("Not sure")
            if round(p[second] * 100) >= 1:
                self.confidenceLabel.setText(self.tr("{0}: {1} ({2}) or {3} ({4})").format(
                    why, top, f"{p[top]:.0%}", second, f"{p[second]:.0%}"))
            else:   # a second reading of 0% is no reading
                self.confidenceLabel.setText(self.tr("{0}: {1} ({2})").format(why, top, f"{p[top]:.0%}"))
            self._describe(self.confidenceLabel.text())
        own = None if reading.network is None or reading.verdict.refused else np.asarray(reading.network).reshape(10)
        if own is not None:
            k = int(np.argmax(own))
            self.networkLabel.setText(self.tr("The network alone: {0} ({1})").format(k, f"{own[k]:.1%}"))
        self.networkLabel.setVisible(own is not None)
        if reading.number is None:
            self._fit_top(1)
        else:
            # number mode: the big figure is the number read, as the line under the canvas shows it (a refused
            # digit "?"; it was the last stroke's digit, and two newcomers took it for the reading); the bars are
            # of one digit of it, which the words name
            text = number_markup(reading, plain=True)
            self.topLabel.setText(number_markup(reading))
            self._fit_top(len(text))
            if sure:
                self.confidenceLabel.setText(self.tr("{0}, {1} sure").format(top, f"{p[top]:.1%}"))
            said = self.confidenceLabel.text()
            if reading.last_stroke == "point":   # the bars are then the last digit's
                said = self.tr("{0} (the last digit; the last stroke is the decimal point)").format(said)
            elif reading.last_stroke == "minus":
                said = self.tr("{0} (the last digit; the last stroke is the minus sign)").format(said)
            elif reading.last_stroke == "other":   # a stray dot; a point before the digit after it is drawn
                said = self.tr("{0} (the last digit; the last stroke is not a digit)").format(said)
            else:   # "the digit of the last stroke" beside "Not a digit" said both
                said = self.tr("{0} (the last stroke)").format(said)
            self.confidenceLabel.setText(said)
            self._describe(self.tr("{0}; {1}").format(text, self.confidenceLabel.text()))

    def _fit_top(self, length: int) -> None:
        """The big figure's size: 40 pt for a digit or a number of up to FIT_CHARS characters, smaller for a longer
        number (down to 12 pt) so that it stays within the column."""
        f = self.topLabel.font()
        size = max(12, min(40, 40 * FIT_CHARS // max(length, 1)))
        if f.pointSize() != size:
            f.setPointSize(size)
            self.topLabel.setFont(f)

    def _describe(self, text: str) -> None:
        """The prediction as text ("7, 98% sure") for screen readers; Qt announces the change."""
        self.setAccessibleDescription(text)
        self.plot.setAccessibleDescription(text)

    def top_digit(self) -> int | None:
        return None if self._reading is None else self._reading.top

    def set_number_mode(self, on: bool) -> None:
        """In number mode an empty canvas asks for a number (it asked for a digit: a newcomer's report), and the
        caption keeps two lines' height: it says whose digit the bars are, and wraps in the narrow column, so
        the bars do not jump as it grows and shrinks."""
        self._numberMode = on
        self.confidenceLabel.setMinimumHeight(2 * self.confidenceLabel.fontMetrics().lineSpacing() if on else 0)
        self._show()

    def clear(self) -> None:
        self._empty(loading=False)
        self.topLabel.setText("–")
        self.confidenceLabel.setText(self.tr("Write a number") if self._numberMode else self.tr("Draw a digit"))
        self._describe(self.tr("nothing drawn"))

    def show_loading(self) -> None:
        """The model is still loading: what is drawn meanwhile is read once it is there."""
        self._empty(loading=True)
        self.topLabel.setText("…")
        self.confidenceLabel.setText(self.tr("Loading the model…"))
        self._describe(self.confidenceLabel.text())

    def _empty(self, loading: bool) -> None:
        self._reading, self._loading = None, loading
        self.doubt = None
        self.networkLabel.hide()
        self._fit_top(1)   # ("–", "…": a digit's size again after a long number)
        self._bars.setOpts(height=np.zeros(10), brushes=[pg.mkBrush(*theme.current().bar)] * 10)
