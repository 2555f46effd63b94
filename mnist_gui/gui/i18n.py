"""The window's language: English (the source texts) or Traditional Chinese, switched live.

`set_language(code)` installs (or removes) our translator and Qt's own (qtbase: Yes/No, file dialogs);
Qt then sends every widget a LanguageChange event, and each tab's changeEvent calls its `retranslate()`.
"" follows the system locale (QLocale.system().uiLanguages()). The command line stays English.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QLabel

from mnist_gui import config

# code -> the language's own name (shown untranslated in View → Language); "" is "System"
LANGUAGES = {"en": "English", "zh_TW": "繁體中文"}
SOURCE_LANGUAGE = "en"

_installed: list[QTranslator] = []
_current: str | None = None   # the language whose translators are installed (None: none yet)


def join(items) -> str:
    """A list inside a sentence of the current language: "a, b, c"; in Chinese "a、b、c" (an ASCII comma
    inside Chinese text reads as a typing slip)."""
    return QCoreApplication.translate("i18n", ", ", "the separator of a list inside a sentence").join(items)


def join_clauses(items) -> str:
    """Messages said one after another on one line (the folders MNIST was looked in, a study's verdict):
    "a; b"; in Chinese "a；b" (the full-width semicolon: an ASCII one inside Chinese text reads as a slip)."""
    return QCoreApplication.translate("i18n", "; ", "the separator of messages said one after another").join(items)


def system_language(ui_languages: list[str] | None = None) -> str:
    """The first of the system's preferred languages that we have; English otherwise.

    Chinese in traditional script, or as written in Taiwan, Hong Kong or Macau, is zh_TW."""
    for lang in ui_languages if ui_languages is not None else QLocale.system().uiLanguages():
        parts = lang.replace("_", "-").split("-")
        if parts[0] == "zh" and ("Hant" in parts or {"TW", "HK", "MO"} & set(parts)):
            return "zh_TW"
        if parts[0] == "en":
            return "en"
    return SOURCE_LANGUAGE


def effective_language(code: str) -> str:
    return code if code in LANGUAGES else system_language()


def translation_file(code: str) -> str:
    return str(config.resource_path(f"translations/mnist_gui_{code}.qm"))


def set_language(code: str) -> str:
    """Use this language ("" = the system's); returns the one in use. Safe to call again at any time.

    English has a translation file too, of its plural forms only (lupdate -pluralonly): "%n digit(s)"
    reads "1 digit", "2 digits", as Qt's own plural machinery does it for every language."""
    global _current
    app = QCoreApplication.instance()
    lang = effective_language(code)
    if lang == _current:
        return lang
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    ours = QTranslator(app)
    if ours.load(translation_file(lang)):
        _installed.append(ours)
    if lang != SOURCE_LANGUAGE:
        qt = QTranslator(app)
        if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            _installed.append(qt)
    for t in _installed:
        app.installTranslator(t)
    _current = lang
    return lang


class Retranslating:
    """Mixin for a widget with a retranslate() method (Qt Designer's retranslateUi): it runs again on Qt's
    LanguageChange event, so switching the language re-sets every text live."""

    def changeEvent(self, e) -> None:  # noqa: N802 - Qt's name
        if e.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(e)


# A line in the window's language as it is now: called again after a language switch (a line that shows the
# state is kept as this, not as text, so that its text follows the language).
Said = Callable[[], str]


class SaidLabel(Retranslating, QLabel):
    """A status line whose text is a Said: said now by say(), and said again on a language switch (the Data,
    Evaluate and Studies tabs' lines, the MNIST panel's message)."""
    _said: Said | None = None

    def say(self, said: Said) -> None:
        self._said = said
        self.setText(said())

    def retranslate(self) -> None:
        """Say it again (in the language of the moment, of the state of the moment)."""
        if self._said is not None:
            self.setText(self._said())
