"""Keep the window's translations up to date: lupdate, then lrelease.

    python scripts/update_translations.py            # every resources/translations/mnist_gui_*.ts
    python scripts/update_translations.py --add fr   # start a new language (then translate, run again)

lupdate reads every self.tr(...) and QT_TRANSLATE_NOOP(...) in mnist_gui/gui/**/*.py into the .ts files
(new texts come in as unfinished, texts no longer in the code are dropped: -no-obsolete), and lrelease
compiles each .ts into the .qm the app loads. Translate with Qt Linguist (`pyside6-linguist FILE.ts`) or
any text editor, then run this script again. Locations are left out of the .ts (-locations none) so
that moving code does not rewrite the translations file.

mnist_gui_en.ts holds English's plural forms only (lupdate -pluralonly): a text counted with %n,
self.tr("%n digit(s)", "", n), gets its "1 digit" and "2 digits" there, as Qt's documentation advises.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "resources" / "translations"
SOURCES = sorted((ROOT / "mnist_gui" / "gui").rglob("*.py"))


def tool(name: str) -> str | None:
    """pyside6-lupdate / pyside6-lrelease: next to this Python first (a virtual environment), then PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def lupdate(ts: Path, language: str | None = None) -> None:
    exe = tool("pyside6-lupdate")
    if exe is None:
        raise SystemExit("update_translations: pyside6-lupdate not found (pip install PySide6)")
    cmd = [exe, *map(str, SOURCES), "-no-obsolete", "-locations", "none", "-source-language", "en"]
    if ts.name == "mnist_gui_en.ts":
        cmd.append("-pluralonly")
    if language:
        cmd += ["-target-language", language]
    subprocess.run(cmd + ["-ts", str(ts)], check=True)


def translations(ts: Path) -> dict[str, str]:
    """Every finished translation in a .ts file, by source text (whatever its context)."""
    import xml.etree.ElementTree as ET
    if not ts.exists():
        return {}
    out = {}
    for m in ET.parse(ts).getroot().iter("message"):
        tr = m.find("translation")
        if tr is not None and tr.get("type") is None and tr.text:
            out[m.findtext("source")] = tr.text
    return out


def carry_over(ts: Path, known: dict[str, str]) -> int:
    """A text that moved to another class (another context) keeps its translation: lupdate would drop
    the old entry and add the text again, unfinished. Returns how many were carried over."""
    import xml.etree.ElementTree as ET
    tree = ET.parse(ts)
    n = 0
    for m in tree.getroot().iter("message"):
        tr = m.find("translation")
        if tr is not None and tr.get("type") == "unfinished" and m.findtext("source") in known:
            tr.text, n = known[m.findtext("source")], n + 1
            del tr.attrib["type"]
    if n:
        tree.write(ts, encoding="utf-8", xml_declaration=True)
        text = ts.read_text(encoding="utf-8").replace("<?xml version='1.0' encoding='utf-8'?>",
                                                       '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>', 1)
        ts.write_text(text, encoding="utf-8")
    return n


def lrelease(ts: Path, qm: Path) -> None:
    exe = tool("pyside6-lrelease")
    if exe is None:
        raise SystemExit("update_translations: pyside6-lrelease not found (pip install PySide6)")
    subprocess.run([exe, "-silent", str(ts), "-qm", str(qm)], check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--add", metavar="LANG", help="start a new language, e.g. fr or pt_BR")
    args = ap.parse_args()
    if args.add:
        lupdate(TRANSLATIONS / f"mnist_gui_{args.add}.ts", args.add)
    for ts in sorted(TRANSLATIONS.glob("mnist_gui_*.ts")):
        known = translations(ts)
        lupdate(ts)
        if carry_over(ts, known):
            lupdate(ts)   # written back in lupdate's own layout
        lrelease(ts, ts.with_suffix(".qm"))
        print(f"{ts.relative_to(ROOT)} -> {ts.with_suffix('.qm').name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
