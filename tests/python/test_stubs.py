"""The type stubs (mxlab/_core.pyi) declare every public name the compiled _core exports, so
editors and type checkers see the whole API."""
import ast
from pathlib import Path

import mxlab._core as core

STUB = Path(core.__file__).with_name("_core.pyi")


def test_every_core_name_has_a_stub():
    tree = ast.parse(STUB.read_text())
    declared = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    declared |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    public = {n for n in dir(core) if not n.startswith("_")}
    missing = sorted(public - declared)
    assert not missing, f"add these to bindings/python/mxlab/_core.pyi: {missing}"
