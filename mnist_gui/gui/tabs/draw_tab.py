"""Draw tab: canvas, live prediction bars, and the 28×28 image the network sees. It asks the Workspace's
reader for one Reading (core/reading.py) and shows it; it runs no network itself."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mnist_gui import config
from mnist_gui.core.explain import occlusion_map
from mnist_gui.core.handwriting.numbers import MINUS_SIGN
from mnist_gui.core.preprocess import image_to_mnist, strokes_to_mnist
from mnist_gui.core.reading import Reading, Verdict
from mnist_gui.core.states import BusyKind
from mnist_gui.gui.i18n import Retranslating
from mnist_gui.gui.qt_workspace import QtWorkspace
from mnist_gui.gui.widgets.canvas import DrawingCanvas
from mnist_gui.gui.widgets.elided_label import ElidedLabel
from mnist_gui.gui.widgets.images import array_to_qimage, qimage_to_array, qimage_to_rgba
from mnist_gui.gui.widgets.prediction_bars import PredictionBars, number_markup
from mnist_gui.gui.widgets.why_view import WhyView

LIVE_INTERVAL_MS = 40  # at most 25 predictions a second while drawing
# Number mode reads when a stroke ends, not while the pen moves: a whole number costs 8-15 ms a read (every new
# candidate digit rendered, classified and matched), and reading it 25 times a second held the pen back (the
# event loop stalled 15.8 ms at p99, 18 ms at worst, while the pen was down; benchmarks/gui_responsiveness.py
# --numbers), for readings of half-drawn strokes. A background read was tried: the pen stalled less (p99 7 ms) but every
# number came 2-3 ms later (the reader and the pen share Python's GIL).
READ_NUMBERS_WHILE_DRAWING = False
PREVIEW_SCALE = 5      # the 28×28 input shown 5× enlarged
NO_DIGIT = -1          # "This is a" when there is no one digit to teach
NUMBER_PT = 22         # the number read, in points


class _Page(QWidget):
    """The Draw tab's contents in its scroll area. Its wrapping labels give it a height for each width, which
    the scroll area takes as the least height; Qt's is the preferred one (891 px at 1,000×680, so it always
    scrolled): the least one it is."""

    def heightForWidth(self, w: int) -> int:  # noqa: N802 - Qt's name
        return self.layout().totalMinimumHeightForWidth(w)


class DrawTab(Retranslating, QWidget):
    predicted = Signal(object)  # the Reading shown (core/reading.py), or None when nothing is drawn
    taught = Signal(object)     # a Sample stored in My digits
    teachFailed = Signal(str)   # why a digit could not be stored
    finetuneRequested = Signal()

    def __init__(self, qtws: QtWorkspace, parent=None):
        super().__init__(parent)
        self.qtws = qtws
        self.ws = qtws.ws
        self.reading: Reading | None = None   # what the bars show
        self._numberHeight: tuple[str, int] = ("", 0)   # (font, height of a number read): _number_height

        self.canvas = DrawingCanvas()
        self.bars = PredictionBars()
        self.preview = QLabel()
        self.preview.setObjectName("inputPreview")
        self.preview.setFixedSize(config.IMAGE_SIZE * PREVIEW_SCALE, config.IMAGE_SIZE * PREVIEW_SCALE)
        self.preview.setStyleSheet("background: black; border: 1px solid #888;")

        self.undoButton = QPushButton()
        self.undoButton.setObjectName("undoButton")
        self.clearButton = QPushButton()
        self.clearButton.setObjectName("clearButton")
        self.penWidth = QSlider(Qt.Orientation.Horizontal)
        self.penWidth.setObjectName("penWidth")
        self.penWidth.setRange(4, 48)
        self.penWidth.setValue(int(self.canvas.pen_width()))
        self.penWidthLabel = QLabel(objectName="penWidthLabel")
        self.penLabel = QLabel()
        self.penLabel.setBuddy(self.penWidth)

        canvas_box = QVBoxLayout()
        canvas_box.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        row.addWidget(self.penLabel)
        row.addWidget(self.penWidth, 1)
        row.addWidget(self.penWidthLabel)
        row.addWidget(self.undoButton)
        row.addWidget(self.clearButton)
        canvas_box.addLayout(row)
        canvas_box.addStretch(1)

        self.seenBox = seen = QGroupBox()
        g = QGridLayout(seen)
        g.addWidget(self.preview, 0, 0, Qt.AlignmentFlag.AlignCenter)
        self.previewCaption = QLabel()
        self.previewCaption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        g.addWidget(self.previewCaption, 1, 0)
        # Why this digit (core/explain.py): off by default; made after pen-up, never while the pen moves
        self.why = WhyView(config.IMAGE_SIZE * PREVIEW_SCALE)
        self.why.setVisible(False)
        g.addWidget(self.why.image, 0, 1, Qt.AlignmentFlag.AlignCenter)
        g.addWidget(self.why.legend, 1, 1)
        self.whyCheck = QCheckBox(objectName="whyCheck")

        self.numberMode = QCheckBox(objectName="numberMode")
        self.numberLabel = QLabel("", objectName="numberLabel", wordWrap=True)
        self.numberLabel.setTextFormat(Qt.TextFormat.RichText)
        canvas_box.insertWidget(2, self.numberMode)
        canvas_box.insertWidget(3, self.numberLabel)
        canvas_box.insertWidget(4, self.whyCheck)

        # two rows, so the side column stays narrow enough for the wide canvas of number mode in a
        # 1,000-pixel window (one row made the window grow to 1,142 and stay so)
        self.teachBox = teach = QGroupBox()
        t = QGridLayout(teach)
        self.teachLabel = QLabel()
        # NO_DIGIT ("–"): nothing to teach (a clear canvas, number mode, a mark too small to read)
        self.teachDigit = QSpinBox(objectName="teachDigit", minimum=NO_DIGIT, maximum=9)
        self.teachDigit.setSpecialValueText("–")
        self.teachDigit.setValue(NO_DIGIT)
        self.teachLabel.setBuddy(self.teachDigit)
        # "This is a" follows the prediction until the user sets it (a language switch re-reads the drawing
        # and reset a chosen 7 to the 2 it read); a cleared canvas follows again
        self._teachChosen = False
        # the fine-tune: getting ready (PyTorch loading); how the last one ended, while My digits is as it was
        self._finetunePreparing = False
        self._finetuneNote: tuple[bool, float | None] | None = None   # (went live, its test accuracy)
        self._noteCount = len(self.ws.my_digits)
        self.teachDigit.valueChanged.connect(self._on_teach_digit)
        self.teachButton = QPushButton(objectName="teachButton")
        self.finetuneButton = QPushButton(objectName="finetuneButton")
        # one line, cut with "…" when long (whole in its tooltip): wrapped beside the button, a long note made
        # the box taller and pushed the bars' digit axis out of number mode's narrow column
        self.myCountLabel = ElidedLabel(objectName="myCountLabel")
        first = QHBoxLayout()
        for w in (self.teachLabel, self.teachDigit, self.teachButton):
            first.addWidget(w)
        first.addStretch(1)
        second = QHBoxLayout()
        second.addWidget(self.finetuneButton)
        second.addWidget(self.myCountLabel, 1)
        t.addLayout(first, 0, 0)
        t.addLayout(second, 1, 0)

        right = QVBoxLayout()
        right.addWidget(self.bars, 1)
        right.addWidget(seen)
        right.addWidget(teach)

        # in a window smaller than the tab's least size (the canvas has a fixed size: number mode's needs a
        # 1,000-pixel window) the tab scrolls; laid out below its least size, the bars were drawn over the canvas
        # and the pen's row over its bottom
        page = _Page(objectName="drawPage")
        lay = QHBoxLayout(page)
        lay.addLayout(canvas_box)
        lay.addLayout(right, 1)
        self.scroll = QScrollArea(objectName="drawScroll", widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        self.scroll.setWidget(page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LIVE_INTERVAL_MS)
        self._timer.timeout.connect(self.update_prediction)
        self.canvas.changed.connect(self._on_canvas_changed)
        self.canvas.strokeFinished.connect(self._on_stroke_finished)
        self.canvas.cleared.connect(lambda: setattr(self, "_teachChosen", False))
        self.canvas.cleared.connect(self.update_prediction)
        self.undoButton.clicked.connect(self.canvas.undo)
        self.clearButton.clicked.connect(self.canvas.clear)
        self.penWidth.valueChanged.connect(self._on_pen_width)
        self.numberMode.toggled.connect(self.canvas.set_wide)
        self.numberMode.toggled.connect(self.bars.set_number_mode)
        self.numberMode.toggled.connect(self.update_prediction)
        self.numberMode.toggled.connect(self._show_why)
        self.teachButton.clicked.connect(self.teach)
        self.finetuneButton.clicked.connect(self.finetuneRequested)
        qtws.modelChanged.connect(lambda _ck: (self.update_prediction(), self.update_my_count()))
        qtws.myDigitsChanged.connect(self.update_my_count)
        qtws.busyChanged.connect(lambda _active: self.update_my_count())
        # the pen width and number mode are the Draw tab's settings: read here, written as they change
        self.penWidth.setValue(self.ws.settings.get("draw/penWidth"))
        self.numberMode.setChecked(self.ws.settings.get("draw/numberMode"))
        self.penWidth.valueChanged.connect(lambda v: self.ws.settings.set("draw/penWidth", v))
        self.numberMode.toggled.connect(lambda on: self.ws.settings.set("draw/numberMode", on))
        self.whyCheck.setChecked(self.ws.settings.get("draw/whyThisDigit"))
        self.whyCheck.toggled.connect(self._on_why_toggled)
        self.retranslate()   # and _show_why

    def retranslate(self) -> None:
        """Every text of the tab in the current language (also the ones that show the current state)."""
        self.preview.setToolTip(self.tr("The 28×28 image the network sees"))
        self.preview.setAccessibleName(self.tr("The 28×28 image the network sees"))
        self.undoButton.setText(self.tr("U&ndo stroke"))
        self.clearButton.setText(self.tr("&Clear"))
        self.penLabel.setText(self.tr("&Pen"))
        self.penWidth.setAccessibleName(self.tr("Pen width"))
        self.seenBox.setTitle(self.tr("What the network sees"))
        self.previewCaption.setText(self.tr("28×28, centred by centre of mass"))
        self.numberMode.setText(self.tr("Read a &whole number (several digits, left to right)"))
        self.whyCheck.setText(self.tr("Sh&ow why this digit"))
        self._show_why()
        self.numberLabel.setAccessibleName(self.tr("Number read"))
        self.teachBox.setTitle(self.tr("Teach it your handwriting"))
        self.teachLabel.setText(self.tr("Th&is is a"))
        self.teachDigit.setToolTip(self.tr("The digit you drew (follows the prediction until you change it)"))
        self.teachDigit.setAccessibleName(self.tr("The digit you drew"))
        self.teachButton.setText(self.tr("&Remember"))
        self.finetuneButton.setText(self.tr("Fine-tune on my di&gits"))
        self._on_pen_width(self.penWidth.value())
        self.update_my_count()
        self.update_prediction()


    def _on_why_toggled(self, on: bool) -> None:
        self.ws.settings.set("draw/whyThisDigit", on)
        self._show_why()
        self._explain()

    def _show_why(self) -> None:
        """Why this digit explains one digit: in number mode its check is off, its tooltip says why, and its map
        is not shown (an empty map beside the 28×28 widened number mode's narrow column over the canvas)."""
        number = self.numberMode.isChecked()
        self.whyCheck.setEnabled(not number)
        self.why.setVisible(self.whyCheck.isChecked() and not number)
        self.whyCheck.setToolTip(
            self.tr("Why this digit explains one digit: turn off “Read a whole number” to see it") if number else
            self.tr("Which parts of the ink made the network read this digit, and which spoke against it (shown "
                    "when the pen is lifted)"))

    def _explain(self) -> None:
        """The occlusion map of the reading shown, when it is asked for and the pen is up; else cleared.
        Only a single digit that was read (not refused) is explained."""
        r, predictor = self.reading, self.ws.predictor
        if (not self.whyCheck.isChecked() or r is None or r.verdict.refused or r.number is not None
                or predictor is None):
            if self.why.heat is not None:   # a map on show goes; none shown: nothing to do on this read
                self.why.clear()
            return
        if self.canvas.is_drawing():
            return   # the map of the last pen-up stays until the pen is lifted again
        self.why.show_map(r.image28, occlusion_map(predictor.classify, r.image28, r.top), r.top)

    def _on_pen_width(self, v: int) -> None:
        self.canvas.set_pen_width(v)
        self.penWidthLabel.setText(self.tr("{0} px").format(v))

    def _on_canvas_changed(self) -> None:
        drawing = self.canvas.is_drawing()
        if drawing:   # a run training now leaves a core to the reading (Workspace.share_cores)
            self.ws.share_cores()
        if drawing and self.numberMode.isChecked() and not READ_NUMBERS_WHILE_DRAWING:
            # read at pen-up (READ_NUMBERS_WHILE_DRAWING says why): till then the number and the bars are greyed,
            # what they say is of the ink before this stroke; an opened image the pen replaced is not there to teach
            self.numberLabel.setEnabled(False)
            self.bars.setEnabled(False)
            self._follow_reading()
            return
        if not self._timer.isActive():
            self._timer.start()

    def _on_stroke_finished(self) -> None:
        self._timer.stop()
        self.update_prediction()

    def current_input(self) -> np.ndarray | None:
        """The drawing as the 28×28 input (None when empty)."""
        img = self.canvas.image()
        if img is not None and img is self._asInput:   # a test image: already MNIST's 28×28 input
            return qimage_to_array(img)
        if img is not None:  # RGBA, so the core's one transparency rule applies as for files
            return image_to_mnist(qimage_to_rgba(img) if img.hasAlphaChannel() else qimage_to_array(img))
        return strokes_to_mnist(self.canvas.strokes())

    @property
    def input28(self) -> np.ndarray | None:
        """The 28×28 input of the reading shown (None when nothing is drawn or the model is loading)."""
        return None if self.reading is None else self.reading.image28

    @property
    def number(self) -> str | None:
        """The number read in number mode as ASCII text, "-3.14" (None otherwise); the label shows its minus
        sign as U+2212."""
        return None if self.reading is None or self.reading.number is None else self.reading.number.text

    def update_prediction(self) -> None:
        self.numberLabel.setEnabled(True)   # (greyed while a stroke of a number is drawn)
        self.bars.setEnabled(True)
        reader = self.ws.reader
        if reader is None:  # torch and the model are still loading: read it when they are there
            self.reading = None
            self.numberLabel.setText("")
            self.bars.show_loading()
            self._follow_reading()
            return
        if self.canvas.image() is None:
            strokes = self.canvas.strokes()
            self.reading = reader.read(strokes, number=self.numberMode.isChecked(), canvas_side=self.canvas.height())
        else:
            img28 = self.current_input()
            self.reading = None if img28 is None else reader.read_input(img28)
        self._show_number(self.reading)
        self.bars.show_reading(self.reading)
        if self.reading is None:
            self._follow_reading()
            self._explain()
            self.preview.clear()
            self.predicted.emit(None)
            return
        self._follow_reading()
        self._explain()
        self.preview.setPixmap(QPixmap.fromImage(array_to_qimage(self.reading.image28)).scaled(
            self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))
        self.predicted.emit(self.reading)

    def _teachable(self) -> bool:
        """Is there one digit drawn to teach: a reading of one digit (not number mode, not too small)?"""
        r = self.reading
        return (r is not None and r.number is None and r.verdict is not Verdict.TOO_SMALL
                and (not self.numberMode.isChecked() or self.canvas.image() is not None))

    def _follow_reading(self) -> None:
        """"This is a" follows the reading until the user sets it; "–" and Remember off when there is no one
        digit to teach (a cleared canvas, number mode, a mark too small to read), so no stale digit stays.
        A drawing refused as not a digit shows "–" too, Remember off until the user picks the digit it is
        (never a guess stored as theirs)."""
        teachable = self._teachable()
        self.teachDigit.setEnabled(teachable)
        if not (teachable and self._teachChosen):
            r = self.reading
            self.teachDigit.blockSignals(True)
            self.teachDigit.setValue(int(np.argmax(r.probabilities)) if teachable and r is not None
                                     and not r.verdict.refused else NO_DIGIT)
            self.teachDigit.blockSignals(False)
        if not teachable:   # the choice shown is gone: the next digit drawn is followed again
            self._teachChosen = False
        self._enable_remember()

    def _on_teach_digit(self, _value: int) -> None:
        """The user set "This is a": it stays for this drawing."""
        self._teachChosen = True
        self._enable_remember()

    def _enable_remember(self) -> None:
        """Remember: when there is one digit drawn to teach and "This is a" names a digit; in number mode its
        tooltip says why it is off (it was off with no word why: a newcomer's report)."""
        self.teachButton.setEnabled(self._teachable() and self.teachDigit.value() != NO_DIGIT)
        self.teachButton.setToolTip(
            self.tr("Teaching takes one digit: turn off “Read a whole number” to teach one")
            if self.numberMode.isChecked() and self.canvas.image() is None else
            self.tr("Store this drawing with its digit in My digits"))

    def _show_number(self, reading: Reading | None) -> None:
        """The number read in number mode, each digit greyed with its doubt, with a close second reading. In
        number mode its two lines' height is kept when there is none: what is below did not stay in place as a
        number came and went (a newcomer's report)."""
        self.numberLabel.setMinimumHeight(self._number_height() if self.numberMode.isChecked() else 0)
        if reading is None or reading.number is None:
            self.numberLabel.setText("")
            return
        number = reading.number
        digits = list(zip(number.digits, reading.digit_verdicts))
        # a refused digit gives no probability: "4 (100%, not a digit)" said both (found by a newcomer tryout); its
        # closest digit is its probabilities' top, as the bars say it (the number's pick of digit, which weighs the
        # shape too, said "closest: 4" under bars saying "closest: 8": a newcomer's tryout)
        parts = [self.tr("not a digit (closest: {0})").format(int(np.argmax(d.probs))) if why.refused else
                 self.tr("{0} ({1}, not sure)").format(d.digit, f"{d.prob:.0%}") if why is not Verdict.SURE else
                 f"{d.digit} ({d.prob:.0%})" for d, why in digits]
        # a digit it is not sure of is greyed in the number too, not only in the line below it; one that is not a
        # digit (an X between two digits) is a grey "?", as a drawing refused alone is (it showed its closest
        # digit, and "4X2" read "442": a newcomer's report); "−3.14": the minus sign and the point in their places
        big = number_markup(reading)
        alt = number.close_alternative
        alt = alt.replace("-", MINUS_SIGN) if alt else alt
        self.numberLabel.setText(f"<span style='font-size:{NUMBER_PT}pt; font-weight:bold'>{big}</span>"
                                 + (" <span style='font-size:14pt'>" + self.tr("(or {0}?)").format(alt) + "</span>" if alt else "")
                                 + f"<br>{' · '.join(parts)}")

    def _number_height(self) -> int:
        """The height of a number read: its big line and the line below (measured once per font)."""
        key = self.numberLabel.font().key()
        if self._numberHeight[0] != key:
            probe = QLabel(textFormat=Qt.TextFormat.RichText)
            probe.setFont(self.numberLabel.font())
            probe.setText(f"<span style='font-size:{NUMBER_PT}pt; font-weight:bold'>0</span><br>0")
            self._numberHeight = (key, probe.sizeHint().height())
        return self._numberHeight[1]

    def teach(self) -> None:
        """Store the drawing with the digit in teachDigit in My digits."""
        if self.input28 is None or self.teachDigit.value() == NO_DIGIT:
            return
        try:
            sample = self.ws.teach(self.teachDigit.value(), self.input28,
                                   self.canvas.strokes() if self.canvas.image() is None else [])
        except OSError as e:  # the drawing stays on the canvas: nothing is lost
            self.teachFailed.emit(str(e))
            return
        self.taught.emit(sample)
        self.canvas.clear()

    def set_finetune_preparing(self, on: bool) -> None:
        """A fine-tune asked for is getting ready (PyTorch loading): said at once, the button off meanwhile."""
        self._finetunePreparing = on
        if on:
            self._finetuneNote = None
        self.update_my_count()

    def finetune_ended(self, live: bool, accuracy: float | None = None) -> None:
        """How the last fine-tune ended (its model live, with its test accuracy, or not), said beside the count
        (in the language of the moment) until the next digit is taught or the next fine-tune starts."""
        self._finetuneNote = (live, accuracy)
        self.update_my_count()

    def _finetune_note_text(self) -> str:
        if self._finetuneNote is None:
            return ""
        live, acc = self._finetuneNote
        if not live:
            return self.tr("fine-tuned on them; the previous model stays live")
        return (self.tr("fine-tuned on them: the new model is live (test accuracy {0})").format(f"{acc:.2%}")
                if acc is not None else self.tr("fine-tuned on them: the new model is live"))

    def update_my_count(self) -> None:
        n = len(self.ws.my_digits)
        if n != self._noteCount:   # a digit taught or removed since: the note is old news
            self._finetuneNote = None
        self._noteCount = n
        preparing, note = self._finetunePreparing, self._finetune_note_text()
        if self.ws.busy == BusyKind.FINETUNE:
            text = self.tr("{0} in My digits: fine-tuning on them now (progress on the Train tab)…").format(n)
        elif preparing:
            text = self.tr("{0} in My digits: getting the fine-tuning ready (loading PyTorch)…").format(n)
        elif note:
            text = self.tr("{0} in My digits; {1}").format(n, note)
        else:
            text = self.tr("{0} in My digits").format(n)
        self.myCountLabel.setText(text)
        ready = n > 0 and not self.qtws.busy and self.ws.predictor is not None and not preparing
        self.finetuneButton.setEnabled(ready)
        why = (self.tr("Teach some digits first: draw one, pick what it is, press Remember") if not n else
               self.tr("The model is still loading") if self.ws.predictor is None else
               self.tr("Training or a study is running; fine-tune when it has ended") if self.qtws.busy else
               self.tr("Train the live model briefly on My digits mixed with MNIST"))
        self.finetuneButton.setToolTip(why)

    _asInput: QImage | None = None   # the image shown is an MNIST test image: read as it is

    def show_image(self, image: QImage, label: int | None = None, as_input: bool = False) -> None:
        """Show an image on the canvas; with its true label (a test image), "This is a" says that, not what
        the model read, so Remember teaches the truth. as_input: the image is already a 28×28 MNIST input
        (a test image from the Evaluate tab) and is read as it is, as the evaluation read it, not cropped and
        scaled again as a drawing or a file is (which moved its reading by several percent)."""
        self._asInput = image if as_input and image.width() == image.height() == config.IMAGE_SIZE else None
        self.canvas.set_image(image)
        if label is not None:
            self.teachDigit.setEnabled(True)
            self.teachDigit.setValue(label)
