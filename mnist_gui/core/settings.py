"""Typed settings read defensively from a user-writable store.

Every key is declared once in `SETTINGS` with its type, default and check. A stored value that does not
pass (a hand-edited `penWidth=abc`, a path that Qt's ini reader turned into a list because it holds a
comma) is ignored: the default is used and one message names the file and the key. The file itself is
never rewritten because of a bad value; only a value the app sets is written.

The store is anything with `value(key) -> object | None`, `setValue(key, value)` and `sync()`: the
window passes a QSettings (Qt's own ini machinery); the command line and tests use `MemoryStore`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    key: str
    kind: type
    default: Any
    check: Callable[[Any], bool] = lambda v: True
    expect: str = ""  # what a good value looks like, for the message


def _int_range(lo: int, hi: int) -> Callable[[int], bool]:
    return lambda v: lo <= v <= hi


def _is_network_draft(text: str) -> bool:
    """A JSON list of layers (core/spec.py Layer objects; an unfinished network is still a draft)."""
    import json

    from mnist_gui.core.spec import Layer
    try:
        layers = json.loads(text)
        return isinstance(layers, list) and all(Layer.from_dict(d) for d in layers)
    except Exception:  # noqa: BLE001 - anything a hand-edited or torn value raises: not a draft
        return False


def _is_train_form(text: str) -> bool:
    """A JSON TrainConfig that passes its checks (core/recipes.py)."""
    import json

    from mnist_gui.core.recipes import TrainConfig
    try:
        values = json.loads(text)
        return isinstance(values, dict) and TrainConfig.from_dict(values) is not None
    except Exception:  # noqa: BLE001 - anything a hand-edited or torn value raises: not a form
        return False


SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("model/path", str, "", expect="the path of a model file"),
    Setting("data/dir", str, "", expect="the folder holding the MNIST files"),
    Setting("draw/penWidth", int, 18, _int_range(4, 48), "a whole number from 4 to 48"),
    Setting("draw/numberMode", bool, False, expect="true or false"),
    Setting("window/geometry", bytes, b"", expect="a window geometry saved by the app"),
    Setting("train/recipe", str, "fast", expect="a recipe id"),
    Setting("train/form", str, "", _is_train_form, "the Train tab's values as the app saved them (JSON)"),
    Setting("model/draft", str, "", _is_network_draft, "the network edited on the Model tab (a JSON list of "
            "layers)"),
    Setting("train/device", str, "auto", expect="auto, cpu, cuda, cuda:N or mps"),
    Setting("view/language", str, "", expect="a language code such as en or zh_TW"),
    Setting("view/appearance", str, "system", lambda v: v in ("system", "light", "dark"),
            "system, light or dark"),
)}


class MemoryStore:
    """A dict with QSettings' three methods: for the command line and tests."""

    def __init__(self, values: dict | None = None):
        self.values = dict(values or {})

    def value(self, key: str, default=None):
        return self.values.get(key, default)

    def setValue(self, key: str, value) -> None:  # noqa: N802 - QSettings' name
        self.values[key] = value

    def sync(self) -> None:
        pass


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", '"': '"', "'": "'", "?": "?", ";": ";", ",": ","}


def _qt_ini_value(text: str) -> str | list[str] | None:
    """One value as Qt's ini writer wrote it: quoted and unquoted pieces with backslash escapes;
    a comma outside quotes makes a list; '@@' starts a text beginning with '@'; other '@' values
    (@Variant, @ByteArray) are not text: None."""
    if text.startswith("@") and not text.startswith("@@"):
        return None
    text = text[1:] if text.startswith("@@") else text
    parts, cur, quoted, i = [], [], False, 0
    while i < len(text):
        c = text[i]
        if c == '"':
            quoted = not quoted
        elif c == "\\" and i + 1 < len(text):
            i += 1
            c = text[i]
            if c == "x":
                j = i + 1
                while j < len(text) and j - i <= 4 and text[j] in "0123456789abcdefABCDEF":
                    j += 1
                cur.append(chr(int(text[i + 1:j] or "0", 16)))
                i = j - 1
            elif c == "0":
                cur.append("\0")
            else:
                cur.append(_ESCAPES.get(c, c))
        elif c == "," and not quoted:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if parts:
        return [*parts, "".join(cur).strip()]
    return "".join(cur).strip() if not text.startswith('"') else "".join(cur)


def read_qt_ini(path) -> dict[str, object]:
    """The text values of a settings file that Qt's QSettings (IniFormat) wrote, as {"section/key":
    value}, read without Qt (the command line shares the window's choices). Keys of [General] have no
    section. A missing or unreadable file is no values."""
    from pathlib import Path
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {}
    out: dict[str, object] = {}
    section = ""
    for line in lines:
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = "" if line[1:-1] == "General" else line[1:-1] + "/"
            continue
        key, eq, value = line.partition("=")
        if eq:
            out[section + key.strip()] = _qt_ini_value(value.strip())
    return out


def _convert(setting: Setting, raw: Any) -> Any:
    """raw as setting.kind, or raise ValueError."""
    if setting.kind is bytes:
        if hasattr(raw, "data") and callable(raw.data):  # QByteArray
            raw = bytes(raw.data())
        if not isinstance(raw, (bytes, bytearray)):
            raise ValueError
        return bytes(raw)
    if isinstance(raw, (list, tuple)):  # Qt's ini reader splits an unquoted comma into a list
        raise ValueError
    if setting.kind is bool:   # Qt's ini store gives back "true" / "false"
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word not in ("true", "false"):
            raise ValueError
        return word == "true"
    if setting.kind is int:
        if isinstance(raw, bool):
            raise ValueError
        if isinstance(raw, int):
            return raw
        return int(str(raw).strip())
    if setting.kind is str:
        if not isinstance(raw, str):
            raise ValueError
        return raw
    raise ValueError


class Settings:
    def __init__(self, store=None, name: str = "settings"):
        self.store = store if store is not None else MemoryStore()
        self.name = name                  # the file's path, for messages
        self.problems: list[str] = []     # one line per ignored value, for the user
        self._reported: set[str] = set()

    def get(self, key: str) -> Any:
        s = SETTINGS[key]
        try:
            raw = self.store.value(key)
        except Exception:  # noqa: BLE001 - a store that cannot even read the value: treat as unset
            raw = None
        if raw is None or raw == "":
            return s.default
        try:
            v = _convert(s, raw)
            if not s.check(v):
                raise ValueError
            return v
        except (ValueError, TypeError):
            if key not in self._reported:
                self._reported.add(key)
                section, _, name = key.partition("/")
                shown = ", ".join(map(str, raw)) if isinstance(raw, (list, tuple)) else str(raw)
                self.problems.append(f"{self.name}: [{section}] {name}={shown[:80]} ignored; expected "
                                     f"{s.expect or s.kind.__name__}")
            return s.default

    def check_all(self) -> list[str]:
        """Read every declared key once; the problems found (also in self.problems)."""
        for key in SETTINGS:
            self.get(key)
        return self.problems

    def keep_copy(self) -> str | None:
        """Copy the settings file aside to <name>.bad (before good values are written over damaged
        ones); the copy's path, or None when there is no file or it cannot be copied."""
        import shutil
        from pathlib import Path
        src = Path(self.name)
        if not src.is_file():
            return None
        try:
            shutil.copy2(src, src.with_name(src.name + ".bad"))
        except OSError:
            return None
        return str(src.with_name(src.name + ".bad"))

    def set(self, key: str, value: Any) -> None:
        s = SETTINGS[key]
        if s.kind is bytes:
            if not (hasattr(value, "data") and callable(value.data)):  # a QByteArray is stored as it is
                value = bytes(value)
        elif not isinstance(value, s.kind) or (isinstance(value, bool) and s.kind is not bool):
            raise TypeError(f"setting {key} takes {s.kind.__name__}, got {type(value).__name__}")
        self._reported.discard(key)
        self.store.setValue(key, value)

    def sync(self) -> None:
        try:
            self.store.sync()
        except Exception:  # noqa: BLE001 - a settings file that cannot be written is not worth a crash
            pass
