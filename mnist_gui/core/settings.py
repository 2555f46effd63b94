"""Typed settings read defensively from a user-writable store.

Every key is declared once in `SETTINGS` with its type, default and check. A stored value that does not
pass (a hand-edited `penWidth=abc`, a path that Qt's ini reader turned into a list because it holds a
comma) is ignored: the default is used and one message names the file and the key. The file itself is
never rewritten because of a bad value; only a value the app sets is written.

The store is anything with `value(key) -> object | None`, `setValue(key, value)` and `sync()`: the
window passes an `IniStore` (settings.ini in Qt's IniFormat, checked before it is read and written by
the one writer, core/storage.py; QSettings would follow a link and hang on a FIFO); the command line and
tests use `MemoryStore`.
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


def _json(text: str, max_bytes: int) -> Any:
    """A setting's JSON value by the one JSON reader (storage.loads_json: too large, too deep, not JSON are one
    JsonFileError, a ValueError): a study form of "[[[…" raised RecursionError and the app did not start."""
    from mnist_gui.core.storage import loads_json
    return loads_json(text, max_bytes)


def _is_network_draft(text: str) -> bool:
    """A JSON list of layers (core/spec.py Layer objects; an unfinished network is still a draft)."""
    from mnist_gui.core.spec import MAX_LAYERS, MAX_SPEC_BYTES, Layer
    try:   # the bounds of an architecture file hold for a kept draft too
        layers = _json(text, MAX_SPEC_BYTES)
        return isinstance(layers, list) and len(layers) <= MAX_LAYERS and all(Layer.from_dict(d) for d in layers)
    except Exception:  # noqa: BLE001 - anything a hand-edited or torn value raises: not a draft
        return False


def _is_train_form(text: str) -> bool:
    """A JSON TrainConfig that passes its checks (core/recipes.py)."""
    from mnist_gui.core.recipes import TrainConfig
    try:
        values = _json(text, MAX_FORM_CHARS)
        return isinstance(values, dict) and TrainConfig.from_dict(values) is not None
    except Exception:  # noqa: BLE001 - anything a hand-edited or torn value raises: not a form
        return False


MAX_FORM_CHARS = 10_000   # a tab's form kept as JSON (the Train and Studies tabs'): a few hundred characters

# The Studies tab's form: each field's name and the type its value has.
STUDY_FORM_FIELDS: dict[str, type | tuple[type, ...]] = {
    "param": str, "values": str, "count": int, "log": bool, "repeat": int, "recipe": str, "max_steps": int,
    "train_size": int, "name": str, "name_edited": bool}


def _is_study_form(text: str) -> bool:
    """A JSON object of STUDY_FORM_FIELDS (any subset), each of its type."""
    try:
        values = _json(text, MAX_FORM_CHARS)
    except ValueError:
        return False
    return (isinstance(values, dict)
            and all(k in STUDY_FORM_FIELDS and isinstance(v, STUDY_FORM_FIELDS[k])
                    and (STUDY_FORM_FIELDS[k] is bool or not isinstance(v, bool)) for k, v in values.items()))


SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("model/path", str, "", expect="the path of a model file"),
    Setting("data/dir", str, "", expect="the folder holding the MNIST files"),
    Setting("draw/penWidth", int, 18, _int_range(4, 48), "a whole number from 4 to 48"),
    Setting("draw/numberMode", bool, False, expect="true or false"),
    Setting("draw/whyThisDigit", bool, False, expect="true or false"),
    Setting("window/geometry", bytes, b"", expect="a window geometry saved by the app"),
    Setting("train/recipe", str, "fast", expect="a recipe id"),
    Setting("train/form", str, "", _is_train_form, "the Train tab's values as the app saved them (JSON)"),
    Setting("model/draft", str, "", _is_network_draft, "the network edited on the Model tab (a JSON list of "
            "layers)"),
    Setting("study/form", str, "", _is_study_form, "the Studies tab's values as the app saved them (JSON)"),
    Setting("train/device", str, "auto", expect="auto, cpu, cuda, cuda:N or mps"),
    Setting("view/language", str, "", expect="a language code such as en or zh_TW"),
    Setting("export/folder", str, "", expect="the folder the last export (a model as ONNX, a study as CSV) "
            "went to"),
    Setting("open/imageFolder", str, "", expect="the folder File → Open image… last opened from"),
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
    return _unescape(text[1:] if text.startswith("@@") else text)


def _unescape(text: str) -> str | list[str]:
    """Qt's ini quoting and backslash escapes undone; a comma outside quotes makes a list."""
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


MAX_SETTINGS_BYTES = 4 * 1024 * 1024   # a few kB in use; a kept network draft of 1,000 layers is ~100 kB


def _ini_lines(text: str):
    """(key, raw value) of each entry of an ini text, keys as "section/key" ([General] has no section)."""
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = "" if line[1:-1] == "General" else line[1:-1] + "/"
            continue
        key, eq, value = line.partition("=")
        if eq:
            yield section + key.strip(), value.strip()


def _qt_ini_bytes(text: str) -> bytes | None:
    """A '@ByteArray(...)' value as bytes (None for anything else)."""
    if "@ByteArray(" not in text[:12]:
        return None
    inner = _unescape(text)
    if not isinstance(inner, str) or not inner.startswith("@ByteArray(") or not inner.endswith(")"):
        return None
    try:
        return inner[len("@ByteArray("):-1].encode("latin-1")
    except UnicodeEncodeError:
        return None


def _qt_ini_escape(text: str, byte_array: bool = False) -> str:
    """text as Qt's ini writer writes it (escapes; quotes when a ',', ';', '=' or outer spaces would
    change it), readable by Qt and by _qt_ini_value."""
    out, hex_before = [], False
    for c in text:
        o = ord(c)
        if o < 0x20 or o == 0x7F or (byte_array and o > 0x7E) or (hex_before and c in "0123456789abcdefABCDEF"):
            out.append(f"\\x{o:x}")   # a hex digit right after a \x escape would be read as part of it
            hex_before = True
            continue
        out.append({"\\": "\\\\", '"': '\\"'}.get(c, c))
        hex_before = False
    s = "".join(out)
    return f'"{s}"' if any(ch in s for ch in ",;=") or s != s.strip() else s


def _qt_ini_text(value) -> str:
    """One value written the way QSettings (IniFormat) writes it."""
    if isinstance(value, (bytes, bytearray)):
        return _qt_ini_escape("@ByteArray(" + bytes(value).decode("latin-1") + ")", byte_array=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return _qt_ini_escape("@" + text if text.startswith("@") else text)


class IniStore:
    """settings.ini as the window's store: Qt's IniFormat, without Qt.

    The file is checked before it is read (core/storage.py read_state_file): a link, a FIFO, a device or a
    file above MAX_SETTINGS_BYTES is not read. A bad regular file is set aside as settings.ini.bad-<time>
    and the app starts on the defaults; anything else (a link, a FIFO, a device) is left alone and the
    settings live in memory this time. Either way `problems` holds one line naming the file. Writes go
    through the one writer (temp file, fsync, rename; never through a link) on `sync()`; keys the app does
    not know are written back as they were read.
    """

    def __init__(self, path):
        from pathlib import Path

        from mnist_gui.core.storage import StateFileError, os_reason, read_state_file, set_aside
        self.path = Path(path)
        self.values: dict[str, object] = {}
        self.raw: dict[str, str] = {}       # each key's text as read, written back unless the key was set
        self.original: bytes | None = None  # the file as read
        self.writable = True
        self.problems: list[str] = []
        self._dirty = False
        try:
            data = read_state_file(self.path, MAX_SETTINGS_BYTES)
        except FileNotFoundError:
            return
        except NotADirectoryError:   # the app folder is a file: nothing can be kept (the window says so)
            self.writable = False
            return
        except StateFileError as e:
            aside = set_aside(self.path)
            if aside is not None:
                self.problems.append(f"{e}; it is kept as {aside.name} and the defaults are used")
            else:
                self.writable = False
                self.problems.append(f"{e}; the settings are kept in memory only until the app ends")
            return
        except OSError as e:
            self.writable = False
            self.problems.append(f"{self.path} cannot be read ({os_reason(e)}); the settings are kept in "
                                 f"memory only until the app ends")
            return
        self.original = data
        for key, text in _ini_lines(data.decode("utf-8", errors="replace")):
            self.raw[key] = text
            b = _qt_ini_bytes(text)
            self.values[key] = b if b is not None else _qt_ini_value(text)

    def value(self, key: str, default=None):
        v = self.values.get(key)
        return default if v is None else v

    def setValue(self, key: str, value) -> None:  # noqa: N802 - QSettings' name
        if hasattr(value, "data") and callable(value.data):  # a QByteArray
            value = bytes(value.data())
        if self.values.get(key) != value or key not in self.values:
            self.values[key] = value
            self.raw.pop(key, None)
            self._dirty = True

    def text(self) -> str:
        """The file's text: [General] first, then one section per prefix, in the order keys were met."""
        sections: dict[str, list[str]] = {}
        for key in dict.fromkeys([*self.raw, *self.values]):
            section, _, name = key.rpartition("/")
            line = self.raw[key] if key in self.raw else _qt_ini_text(self.values[key])
            sections.setdefault(section or "General", []).append(f"{name}={line}")
        order = sorted(sections, key=lambda s: s != "General")
        return "\n".join(f"[{s}]\n" + "\n".join(sections[s]) + "\n" for s in order)

    def sync(self) -> None:
        """Write the file if anything changed (the one writer; StorageError/OSError when it cannot be)."""
        if not self._dirty or not self.writable:
            return
        from mnist_gui.core.storage import write_text
        write_text(self.path, self.text(), make_folder=True)   # the app folder's own file
        self._dirty = False


def read_qt_ini(path) -> dict[str, object]:
    """The text values of a settings file that Qt's QSettings (IniFormat) wrote, as {"section/key":
    value}, read without Qt (the command line shares the window's choices). Keys of [General] have no
    section. A missing or unreadable file (a link, a FIFO, a device, too large) is no values."""
    from mnist_gui.core.storage import read_state_file
    try:
        text = read_state_file(path, MAX_SETTINGS_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return {}
    return {key: _qt_ini_value(value) for key, value in _ini_lines(text)}


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
        # one line per ignored value (or a settings file that could not be used), for the user
        self.problems: list[str] = list(getattr(self.store, "problems", []))
        self._reported: set[str] = set()
        self.changed: Callable[[], None] | None = None   # called after each set (the window syncs soon after)

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
        from pathlib import Path

        from mnist_gui.core.storage import atomic_write_bytes, read_state_file
        src = Path(self.name)
        data = getattr(self.store, "original", None)
        try:
            if data is None:
                data = read_state_file(src, MAX_SETTINGS_BYTES)
            atomic_write_bytes(src.with_name(src.name + ".bad"), data)
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
        if self.changed is not None:
            self.changed()

    def sync(self) -> None:
        """Write the store; a file that cannot be written (a link put there, a full disk) is said once, in
        self.problems and the log, never a crash."""
        try:
            self.store.sync()
        except Exception as e:  # noqa: BLE001 - a settings file that cannot be written is not worth a crash
            line = f"settings not saved: {e}"
            if line not in self.problems:
                self.problems.append(line)
                import logging
                logging.getLogger(__name__).warning("%s", line)
