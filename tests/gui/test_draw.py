import threading

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.gui.conftest import ONE, SEVEN, ZERO, draw, fit_strokes


def test_opens_with_the_shipped_model(window):
    assert [window.tabs.tabText(i).replace("&", "") for i in range(3)] == ["Draw", "Train", "Model"]
    assert "test accuracy" in window.windowTitle()
    assert window.checkpoint.path.name == "shipped_model.pt"
    bars = window.findChild(object, "predictionBars")
    assert bars.probabilities() is None          # an empty canvas claims no digit
    assert window.drawTab.bars.topLabel.text() == "–"


def test_drawn_digits_are_read(window, qtbot):
    canvas = window.findChild(object, "canvas")
    bars = window.findChild(object, "predictionBars")
    for strokes, digit in ((ONE, 1), (SEVEN, 7), (ZERO, 0)):
        qtbot.mouseClick(window.findChild(object, "clearButton"), Qt.MouseButton.LeftButton)
        assert bars.probabilities() is None
        draw(qtbot, canvas, fit_strokes(strokes))
        p = bars.probabilities()
        assert p is not None and len(p) == 10 and abs(sum(p) - 1) < 1e-5
        assert int(np.argmax(p)) == digit, (digit, np.round(p, 3))
        assert window.drawTab.bars.topLabel.text() == str(digit)


def test_the_bars_say_what_the_network_reads_alone(window, qtbot, monkeypatch):
    """Found by a newcomer: with a network trained one step made live, a 7 still read "7, 100.0% sure" (the pen-path
    readers joined), and nothing said that the network itself did not know. The line under the bars says it."""
    tab, bars = window.drawTab, window.drawTab.bars
    draw(qtbot, tab.canvas, fit_strokes(SEVEN))
    own = tab.reading.network
    assert own is not None and bars.networkLabel.isVisible() and int(np.argmax(own)) == 7
    assert bars.networkLabel.text() == f"The network alone: 7 ({own[7]:.1%})"
    # a network that knows nothing (as one trained a step): every digit a tenth; the joined reading still a 7
    classifier = window.ws.reader.classifier
    monkeypatch.setattr(classifier, "probabilities", lambda img: np.full(10, 0.1))
    tab.canvas.clear()
    draw(qtbot, tab.canvas, fit_strokes(SEVEN))
    assert bars.topLabel.text() == "7" and bars.networkLabel.text() == "The network alone: 0 (10.0%)"
    tab.canvas.clear()
    assert not bars.networkLabel.isVisible()   # nothing drawn, nothing said
    tab.numberMode.setChecked(True)             # number mode: the digits' own readings are not one network's ten
    draw(qtbot, tab.canvas, fit_strokes(SEVEN))
    assert not bars.networkLabel.isVisible()


def test_pen_drawn_digits_from_unseen_writers(window, qtbot, pen_digits):
    canvas = window.drawTab.canvas
    right = 0
    for digit, d in pen_digits.items():
        canvas.clear()
        draw(qtbot, canvas, fit_strokes(d.strokes))
        right += int(np.argmax(window.drawTab.bars.probabilities())) == digit
    assert right >= 9


def test_a_drawn_zigzag_is_not_a_digit(window, qtbot):
    """Issue 20: a zig-zag read "8, 100.0% sure"; now the bars say in words that it is not a digit, in
    English and in Chinese, and a digit drawn after it is read again."""
    bars = window.drawTab.bars
    draw(qtbot, window.drawTab.canvas, [[(40 + 30 * i, 80 + 170 * (i % 2)) for i in range(9)]])
    assert bars.doubt == "not a digit" and bars.topLabel.text() == "?"
    assert bars.confidenceLabel.text().startswith("Not a digit")
    assert bars.accessibleDescription() == bars.confidenceLabel.text()
    # nothing to teach until the user says which digit it is (a refused digit of theirs can be taught)
    tab = window.drawTab
    assert tab.teachDigit.value() == -1 and tab.teachDigit.isEnabled() and not tab.teachButton.isEnabled()
    tab.teachDigit.setValue(4)
    assert tab.teachButton.isEnabled()
    tab.teachDigit.setValue(-1)
    assert not tab.teachButton.isEnabled()
    window.set_language("zh_TW")
    qtbot.waitUntil(lambda: bars.confidenceLabel.text().startswith("不是數字"))
    window.set_language("en")
    qtbot.waitUntil(lambda: bars.confidenceLabel.text().startswith("Not a digit"))
    window.drawTab.canvas.clear()
    draw(qtbot, window.drawTab.canvas, fit_strokes(SEVEN))
    assert bars.doubt is None and bars.topLabel.text() == "7"


def test_prediction_updates_while_drawing(window, qtbot):
    canvas = window.drawTab.canvas
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(160, 40))
    for y in range(40, 300, 5):
        QTest.mouseMove(canvas, QPoint(160, y))
    # not released yet: the throttled live prediction still shows up
    qtbot.waitUntil(lambda: window.drawTab.bars.probabilities() is not None, timeout=2000)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(160, 300))
    assert len(canvas.strokes()) == 1


def test_the_pen_pauses_the_imports_that_give_way_to_it(window, qtbot, tmp_path, monkeypatch):
    """A worker loading PyTorch before it is needed (the Train tab's device list, its warm-up) pauses before each
    module while the pen moves on the canvas, so that it does not hold the interpreter while a stroke is read
    (core/give_way.py); once the user leaves the canvas for another tab, it goes on."""
    import sys

    from mnist_gui.core import give_way
    (tmp_path / "give_way_draw_probe.py").write_text("VALUE = 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(give_way, "TAIL_S", 3600.0)   # no pause ends by itself here (TAIL_S after the last move)
    rest = give_way.drawing
    monkeypatch.setattr(give_way, "drawing", lambda s: rest(3600 if s else 0))
    canvas = window.drawTab.canvas
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(160, 40))
    for y in range(40, 300, 5):
        QTest.mouseMove(canvas, QPoint(160, y))

    def load():
        with give_way.giving_way():
            import give_way_draw_probe  # noqa: F401
    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    try:
        qtbot.waitUntil(lambda: give_way.paused() >= 1, timeout=5000)   # (a worker of an earlier test may wait too)
        assert "give_way_draw_probe" not in sys.modules
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(160, 300))
        assert worker.is_alive()   # still paused: the pen may come down again
        window.tabs.setCurrentWidget(window.myDigitsTab)   # away from the canvas: the pen has rested
        worker.join(10)
        assert not worker.is_alive()
    finally:
        rest(0)
        worker.join(10)
    assert not worker.is_alive() and sys.modules.pop("give_way_draw_probe").VALUE == 7


def test_clear_and_undo(window, qtbot):
    canvas, bars = window.drawTab.canvas, window.drawTab.bars
    draw(qtbot, canvas, fit_strokes(SEVEN))
    seven = bars.probabilities()
    draw(qtbot, canvas, [[(120, 190), (220, 190)]])  # a crossbar
    assert len(canvas.strokes()) == 2 and bars.probabilities() != seven
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes()) == 1
    assert np.allclose(bars.probabilities(), seven)
    QTest.keyClick(window, Qt.Key.Key_Delete)
    assert canvas.strokes() == [] and bars.probabilities() is None
    draw(qtbot, canvas, fit_strokes(ONE))
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert bars.probabilities() is None
    draw(qtbot, canvas, fit_strokes(ONE))
    qtbot.mouseClick(window.findChild(object, "clearButton"), Qt.MouseButton.LeftButton)
    assert bars.probabilities() is None and window.drawTab.bars.topLabel.text() == "–"


def test_delete_esc_and_undo_on_another_tab_leave_the_drawing(window, qtbot):
    """Found by a newcomer: Delete pressed on My digits (to delete a taught digit) wiped the drawing on the Draw tab,
    out of sight, and never reached the list. The canvas's keys act while the canvas is on screen; Delete on My
    digits' list asks to delete the selected digits."""
    tab, my = window.drawTab, window.myDigitsTab
    draw(qtbot, tab.canvas, fit_strokes(SEVEN))
    tab.teachDigit.setValue(7)
    tab.teach()                                          # one taught digit (the canvas clears)
    draw(qtbot, tab.canvas, fit_strokes(SEVEN))
    window.tabs.setCurrentWidget(my)
    qtbot.waitUntil(lambda: my.list.count() == 1)
    my.list.setFocus()
    my.list.item(0).setSelected(True)
    for key, mod in ((Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
                     (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)):
        QTest.keyClick(my.list, key, mod)
    QTest.keyClick(my.list, Qt.Key.Key_Delete)
    box = my.deleteBox   # Delete on the list: the question of Delete selected
    assert box.isVisible() and box.text() == "Delete 1 taught digit from My digits?"
    box.reject()
    window.tabs.setCurrentWidget(tab)
    assert len(tab.canvas.strokes()) == 1 and tab.bars.topLabel.text() == "7"   # the drawing is still there
    QTest.keyClick(window, Qt.Key.Key_Delete)                                   # on the Draw tab: clears
    assert tab.canvas.strokes() == []


def test_pen_width_changes_the_look_not_the_input(window, qtbot):
    tab = window.drawTab
    tab.penWidth.setValue(6)
    draw(qtbot, tab.canvas, fit_strokes(SEVEN))
    thin, thin_img = tab.input28.copy(), tab.canvas.to_qimage(112)
    tab.canvas.clear()
    tab.penWidth.setValue(40)
    draw(qtbot, tab.canvas, fit_strokes(SEVEN))
    assert np.abs(tab.input28 - thin).max() < 1e-6
    assert tab.canvas.to_qimage(112) != thin_img


def test_open_image(window, qtbot, tmp_path, mnist):
    from PIL import Image
    img = 255 - np.kron(mnist.test.images[0].numpy(), np.ones((4, 4), np.uint8))  # dark on light
    Image.fromarray(img).save(tmp_path / "seven.png")
    assert window.open_image(str(tmp_path / "seven.png"))
    assert int(np.argmax(window.drawTab.bars.probabilities())) == int(mnist.test.labels[0])
    (tmp_path / "bad.png").write_bytes(b"nope")
    assert not window.open_image(str(tmp_path / "bad.png"))
    assert "not a readable image" in window.lastMessageText


def test_a_large_image_is_decoded_without_freezing_the_window(window, qtbot, tmp_path, mnist, monkeypatch):
    """Above BACKGROUND_DECODE_MP the decode runs in a worker: open_image returns at once, the window says
    it is opening the file, and the image reaches the canvas when it is decoded (a damaged one: one message)."""
    from PIL import Image

    from mnist_gui.core import preprocess
    from mnist_gui.gui import main_window
    img = 255 - np.kron(mnist.test.images[0].numpy(), np.ones((40, 40), np.uint8))   # 1120×1120
    Image.fromarray(img).save(tmp_path / "big.png")
    monkeypatch.setattr(main_window, "BACKGROUND_DECODE_MP", 1)
    started = threading.Event()
    real = preprocess.open_image

    def slow_open(path):
        started.set()
        return real(path)
    monkeypatch.setattr(preprocess, "open_image", slow_open)
    with qtbot.waitSignal(window.imageOpened, timeout=20_000) as opened:
        assert window.open_image(str(tmp_path / "big.png"))
        assert "Opening" in window.statusBar().currentMessage()
    assert opened.args == [True] and started.is_set()
    assert int(np.argmax(window.drawTab.bars.probabilities())) == int(mnist.test.labels[0])
    data = (tmp_path / "big.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[:len(data) // 2])   # the header says 1.25 MP, the body is cut
    with qtbot.waitSignal(window.imageOpened, timeout=20_000) as opened:
        window.open_image(str(tmp_path / "cut.png"))
    assert opened.args == [False] and "cut.png" in window.lastMessageText and "\n" not in window.lastMessageText


def test_drop_an_image_on_the_canvas(window, qtbot, tmp_path, mnist):
    from PIL import Image
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication
    Image.fromarray(mnist.test.images[1].numpy()).resize((200, 200)).save(tmp_path / "two.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "two.png"))])
    canvas = window.drawTab.canvas
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, drop)
    assert window.drawTab.bars.top_digit() == int(mnist.test.labels[1])
    assert canvas.image() is not None and canvas.strokes() == []
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert window.drawTab.bars.probabilities() is None


def _digit_png(path, arr, scale):
    from PIL import Image
    Image.fromarray(255 - np.kron(arr, np.ones((scale, scale), np.uint8))).save(path)


def _held_decode(monkeypatch, held="big"):
    """Images whose name has `held` in it decode only once the returned event is set."""
    from mnist_gui.core import preprocess
    from mnist_gui.gui import main_window
    monkeypatch.setattr(main_window, "BACKGROUND_DECODE_MP", 1)
    real, gate = preprocess.open_image, threading.Event()

    def held_open(path):
        if held in str(path):
            gate.wait(10)
        return real(path)
    monkeypatch.setattr(preprocess, "open_image", held_open)
    return gate


def test_an_image_opened_later_wins_over_one_still_decoding(window, qtbot, tmp_path, mnist, monkeypatch):
    a, b = mnist.test.images[0].numpy(), mnist.test.images[1].numpy()
    lb = int(mnist.test.labels[1])
    assert int(mnist.test.labels[0]) != lb
    _digit_png(tmp_path / "big.png", a, 40)      # 1.25 MP: in the background
    _digit_png(tmp_path / "small.png", b, 4)     # at once
    gate = _held_decode(monkeypatch)
    window.open_image(str(tmp_path / "big.png"))
    assert window.open_image(str(tmp_path / "small.png"))
    assert window.drawTab.bars.top_digit() == lb
    with qtbot.waitSignal(window.imageOpened, timeout=20_000) as late:
        gate.set()
    assert late.args == [False] and window.drawTab.bars.top_digit() == lb


def test_drawing_while_a_large_image_decodes_is_kept(window, qtbot, tmp_path, mnist, monkeypatch):
    _digit_png(tmp_path / "big.png", mnist.test.images[0].numpy(), 40)
    gate = _held_decode(monkeypatch)
    window.open_image(str(tmp_path / "big.png"))
    draw(qtbot, window.drawTab.canvas, fit_strokes(SEVEN))
    with qtbot.waitSignal(window.imageOpened, timeout=20_000) as late:
        gate.set()
    assert late.args == [False] and window.drawTab.canvas.strokes() and window.drawTab.canvas.image() is None
    assert "Opening" not in window.statusBar().currentMessage()


def test_an_unexpected_decode_error_is_one_message(window, qtbot, tmp_path, mnist, monkeypatch):
    import struct

    from mnist_gui.core import preprocess
    from mnist_gui.gui import main_window
    monkeypatch.setattr(main_window, "BACKGROUND_DECODE_MP", 1)
    _digit_png(tmp_path / "big.png", mnist.test.images[0].numpy(), 40)

    def boom(_path):
        raise struct.error("unpack requires a buffer of 4 bytes")
    monkeypatch.setattr(preprocess, "open_image", boom)
    with qtbot.waitSignal(window.imageOpened, timeout=20_000) as opened:
        window.open_image(str(tmp_path / "big.png"))
    assert opened.args == [False] and "unpack requires" in window.lastMessageText
    assert "Opening" not in window.statusBar().currentMessage()


def test_closing_while_a_large_image_decodes_shows_nothing(window, qtbot, tmp_path, mnist, monkeypatch):
    _digit_png(tmp_path / "big.png", mnist.test.images[0].numpy(), 40)
    gate = _held_decode(monkeypatch)
    window.open_image(str(tmp_path / "big.png"))
    window.close()
    with qtbot.waitSignal(window.imageOpened, timeout=20_000) as late:
        gate.set()
    assert late.args == [False] and window.drawTab.canvas.image() is None


def test_a_fifo_named_png_does_not_block_the_size_check(tmp_path):
    import os

    from mnist_gui.core.preprocess import PreprocessError, open_image, pixel_count
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    assert pixel_count(fifo) == 0      # it would wait for a writer for ever if it were opened
    try:
        open_image(fifo)
        raise AssertionError("a FIFO was read as an image")
    except PreprocessError as e:
        assert "not a regular file" in str(e)


def test_a_tiny_dash_is_too_small_and_a_refused_drawing_shows_no_bars(window, qtbot):
    """Issue 33: a 3-px dash read "Not digit-like: 2 (100%)" under a full-height bar at 2, and a refused
    zig-zag "Not a digit (closest: 4)" with a full bar at 4. A refusal shows no bars, in one wording."""
    tab, bars = window.drawTab, window.drawTab.bars
    draw(qtbot, tab.canvas, [[(150, 150), (153, 150)]])
    assert bars.doubt == "too small" and bars.topLabel.text() == "?"
    assert bars.confidenceLabel.text() == "Too small to read: draw the digit larger"
    assert not np.asarray(bars._bars.opts["height"]).any()
    ys, xs = np.nonzero(tab.input28 > 0.25)
    assert np.ptp(xs) + 1 <= 4                                   # the preview shows it as drawn: small
    window.set_language("zh_TW")
    qtbot.waitUntil(lambda: bars.confidenceLabel.text().startswith("太小"))
    window.set_language("en")
    tab.canvas.clear()
    rng = np.random.default_rng(1)                               # a scribble: too much ink, not digit-like
    draw(qtbot, tab.canvas, [[tuple(p) for p in rng.uniform(40, 300, (40, 2))]])
    assert bars.doubt == "not digit-like"
    assert bars.confidenceLabel.text().startswith("Not a digit (closest: ")
    assert not np.asarray(bars._bars.opts["height"]).any()
    tab.canvas.clear()
    draw(qtbot, tab.canvas, [[(40 + 30 * i, 80 + 170 * (i % 2)) for i in range(9)]])   # the zig-zag
    assert bars.doubt == "not a digit" and not np.asarray(bars._bars.opts["height"]).any()


def test_why_this_digit_is_off_by_default_made_at_pen_up_and_kept_across_a_restart(qtbot, _isolated_home,
                                                                                  monkeypatch):
    from mnist_gui.gui.tabs import draw_tab
    from tests.gui.conftest import open_window
    made = []
    real = draw_tab.occlusion_map
    monkeypatch.setattr(draw_tab, "occlusion_map", lambda *a, **k: made.append(a[2]) or real(*a, **k))
    w = open_window(qtbot)
    tab = w.drawTab
    assert not tab.whyCheck.isChecked() and not tab.why.isVisible()
    draw(qtbot, tab.canvas, fit_strokes(ONE))
    assert made == []                                   # off: nothing is computed
    tab.whyCheck.click()
    assert tab.why.isVisible() and made == [1] and tab.why.digit == 1
    assert tab.why.heat[tab.reading.image28 > 0.5].mean() > 0   # the ink of a 1 made it a 1
    assert "1" in tab.why.legend.text() and not tab.why.image.pixmap().isNull()
    tab.canvas.clear()
    assert tab.why.digit is None and tab.why.image.pixmap().isNull()
    made.clear()
    draw(qtbot, tab.canvas, fit_strokes(SEVEN))
    assert made == [7]                                  # once, at pen-up: never while the pen moves
    w.close()
    w2 = open_window(qtbot)
    assert w2.drawTab.whyCheck.isChecked() and w2.drawTab.why.isVisible()
    w2.drawTab.whyCheck.click()
    w2.close()
    assert not open_window(qtbot).drawTab.whyCheck.isChecked()


def _overlapping(root):
    """Pairs of visible sibling widgets inside root whose boxes overlap (a layout squeezed below its least size)."""
    from PySide6.QtWidgets import QWidget
    out = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible() or w.layout() is None:
            continue
        kids = [c for c in w.children() if isinstance(c, QWidget) and c.isVisible() and not c.isWindow()]
        for i, a in enumerate(kids):
            out += [(a.objectName() or type(a).__name__, b.objectName() or type(b).__name__) for b in kids[i + 1:]
                    if a.geometry().intersected(b.geometry()).width() > 1
                    and a.geometry().intersected(b.geometry()).height() > 1]
    return out


def test_the_draw_tab_scrolls_in_a_small_window_instead_of_drawing_over_itself(window, qtbot):
    """The canvas has a fixed size (number mode's is 672 px wide). In a window smaller than the tab's least
    size (the window may be made 640×480) its layout was squeezed below it: the pen's row over the canvas, the bars
    over number mode's canvas. The tab scrolls instead; at the default size (1,000×680) it does not, in either
    mode, in English or Chinese."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication
    tab = window.drawTab
    window.show()

    for size, scrolls in (((640, 480), True), ((1000, 680), False)):
        window.resize(*size)
        for language in ("en", "zh_TW"):
            window.set_language(language)
            for number in (False, True):
                tab.numberMode.setChecked(number)
                draw(qtbot, tab.canvas, fit_strokes(SEVEN))
                qtbot.waitUntil(lambda: tab.bars.top_digit() is not None)
                for _ in range(4):   # the layouts, outer to inner, take the last change into account
                    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
                assert not _overlapping(tab), (size, language, number, _overlapping(tab))
                bars = tab.scroll.horizontalScrollBar(), tab.scroll.verticalScrollBar()
                assert any(b.isVisible() for b in bars) == scrolls, (size, language, number)
                tab.canvas.clear()
