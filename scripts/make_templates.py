"""The elastic reader's templates (mnist_gui/core/handwriting/elastic.py) that ship: resources/templates.npz.

    python scripts/make_templates.py --out resources/templates.npz

Every pen writer's digits (../shared/data/pendigits) as drawn, as the elastic reader matches them: each
outer fold of benchmarks/pendigits_nested.py matched its writers against the other 20 writers' digits the
same way (its inner folds chose the reader's temperature, weight and "far from every digit" distance).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnist_gui.core.handwriting import elastic as E  # noqa: E402
from mnist_gui.core.handwriting.pendigits import read_unipen  # noqa: E402
from mnist_gui.core.handwriting.synthetic import default_pendigits  # noqa: E402
from mnist_gui.core.handwriting.trajectory import batch_features  # noqa: E402
from mnist_gui.core.script_errors import run_script  # noqa: E402
from mnist_gui.core.storage import check_folder_exists  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", default=default_pendigits())
    ap.add_argument("--out", default=str(ROOT / "resources" / "templates.npz"))
    args = ap.parse_args()
    check_folder_exists(args.out)   # before any work: one line and exit code 2 (run_script)
    digits = read_unipen(args.file)
    templates = E.Templates.of_features(batch_features([d.strokes for d in digits]), [d.label for d in digits])
    templates.save(args.out)
    print(f"wrote {args.out}: {len(templates)} digits of {len({d.writer for d in digits})} writers, "
          f"{Path(args.out).stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
