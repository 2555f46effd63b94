"""Which code may import which: core never Qt, nothing of the package, scripts or tests from benchmarks/.

Read from the import statements themselves (every one, also those inside functions), and checked again
by importing the core in a clean interpreter.
"""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT = {"PySide6", "shiboken6", "pyqtgraph"}
# benchmarks/ is not a package: its scripts are imported by their bare names once it is on sys.path
BENCHMARKS = {"benchmarks"} | {p.stem for p in (ROOT / "benchmarks").glob("*.py")}


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import statement in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            out += [(node.lineno, module)]
            out += [(node.lineno, f"{module}.{a.name}") for a in node.names]   # from mnist_gui import gui
    return out


def python_files(*folders: str) -> list[Path]:
    files = [p for f in folders for p in sorted((ROOT / f).rglob("*.py"))]
    assert len(files) > len(folders), folders
    return files


def offending(files, bad) -> list[str]:
    return [f"{p.relative_to(ROOT)}:{line}: {name}" for p in files for line, name in imports(p) if bad(name)]


def test_the_import_reader_sees_every_kind_of_import(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    f = tmp_path / "mnist_gui" / "core" / "x.py"
    f.parent.mkdir(parents=True)
    f.write_text("import a.b\nfrom ..gui import jobs\ndef f():\n    from c import d\n"
                 "    sys.path.insert(0, str(ROOT / 'benchmarks'))\n")
    assert imports(f) == [(1, "a.b"), (2, "mnist_gui.gui"), (2, "mnist_gui.gui.jobs"), (4, "c"), (4, "c.d")]
    assert puts_benchmarks_on_sys_path(f)
    f.write_text("sys.path.insert(0, str(ROOT / 'scripts'))\n")
    assert not puts_benchmarks_on_sys_path(f)


def test_nothing_imports_from_benchmarks():
    """benchmarks/ measures and prints; what the package, the scripts and the tests need lives in the package."""
    files = python_files("mnist_gui", "scripts", "tests")
    assert offending(files, lambda name: name.split(".")[0] in BENCHMARKS) == []
    assert [f"{p.relative_to(ROOT)}" for p in files if puts_benchmarks_on_sys_path(p)] == []


def puts_benchmarks_on_sys_path(path: Path) -> bool:
    """A sys.path.insert/append whose arguments name benchmarks (ROOT / "benchmarks", "…/benchmarks")."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("insert", "append") and ast.unparse(node.func.value) == "sys.path"):
            if any(isinstance(n, ast.Constant) and isinstance(n.value, str) and "benchmarks" in n.value
                   for a in node.args for n in ast.walk(a)):
                return True
    return False


def test_core_has_no_qt_import_statement():
    """Not even inside a function: core is imported by the command line and by worker processes."""
    files = python_files("mnist_gui/core")
    bad = offending(files, lambda name: name.split(".")[0] in QT or name.startswith("mnist_gui.gui"))
    assert bad == []


def test_core_never_imports_qt():
    """Every module of the core package (walked, not listed) and the CLI load without Qt."""
    code = ("import importlib, pkgutil, sys, mnist_gui.core, mnist_gui.cli, mnist_gui.desktop\n"
            "mods = [m.name for m in pkgutil.walk_packages(mnist_gui.core.__path__, 'mnist_gui.core.')]\n"
            "assert len(mods) >= 15, mods\n"
            "for m in mods: importlib.import_module(m)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')]\n"
            "print(bad); assert not bad")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_presets_recipes_and_synthetic_numbers_need_no_torch():
    """The presets are defined once, torch-free, so that recipes (and the form made from them) need no torch."""
    code = ("import sys\nimport mnist_gui.core.presets, mnist_gui.core.recipes, mnist_gui.core.handwriting.synthetic\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'pyqtgraph')]\n"
            "print(bad); assert not bad")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def module_graph(root: Path) -> dict[str, set[str]]:
    """{module: the package modules it imports}, from every import statement of mnist_gui/ (also those
    inside functions: a function-local import that closes a circle is still a circle)."""
    files = {}
    for p in sorted((root / "mnist_gui").rglob("*.py")):
        name = ".".join(p.relative_to(root).with_suffix("").parts)
        files[name.removesuffix(".__init__")] = p
    return {m: {name for _, name in imports(p) if name in files and name != m} for m, p in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_sees_a_circle_closed_inside_a_function(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    core = tmp_path / "mnist_gui" / "core"
    core.mkdir(parents=True)
    (tmp_path / "mnist_gui" / "__init__.py").write_text("")
    (core / "__init__.py").write_text("")
    (core / "a.py").write_text("from mnist_gui.core import b\n")
    (core / "b.py").write_text("def f():\n    from mnist_gui.core.c import g\n")
    (core / "c.py").write_text("import numpy\n")
    assert cycles(module_graph(tmp_path)) == []
    (core / "c.py").write_text("def g():\n    from . import a\n")
    assert cycles(module_graph(tmp_path)) == [["mnist_gui.core.a", "mnist_gui.core.b", "mnist_gui.core.c"]]


def test_no_import_cycle_among_the_package_modules():
    """Every module can be read (and imported) on its own terms: no two modules import each other, even
    through others, even inside functions."""
    assert cycles(module_graph(ROOT)) == []


# The run time: what reads a drawing or an image (numpy and ONNX Runtime). Training and export (torch) may
# import these; these never import a module that imports torch, not even inside a function.
RUN_TIME = ["mnist_gui.core.reading", "mnist_gui.core.live", "mnist_gui.core.onnx_wire",
            "mnist_gui.core.preprocess", "mnist_gui.core.handwriting.gate", "mnist_gui.core.handwriting.judge",
            "mnist_gui.core.handwriting.numbers", "mnist_gui.core.handwriting.trajectory", "mnist_gui.core.explain"]


def test_the_run_time_never_imports_training_or_export():
    graph = module_graph(ROOT)
    files = {m: ROOT / Path(*m.split(".")).with_suffix(".py") for m in graph}
    files.update({m: ROOT / Path(*m.split(".")) / "__init__.py" for m in graph if not files[m].exists()})
    reached, todo = set(), list(RUN_TIME)
    while todo:
        m = todo.pop()
        if m not in reached:
            reached.add(m)
            todo += graph[m]
    torch_users = sorted(f"{m} imports {name}" for m in reached for _, name in imports(files[m])
                         if name.split(".")[0] in ("torch", "torchvision", "onnx", "onnxscript"))
    assert torch_users == []
