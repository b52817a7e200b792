"""Imports between apps go one way: annotations (reviewing) may import claims; claims never
imports annotations. Read from the source, so a lazy import inside a function counts too."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_nothing_in_claims_imports_annotations():
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "claims").rglob("*.py"))
        for module in _imported_modules(path)
        if module == "annotations" or module.startswith("annotations.")
    ]
    assert offenders == []


def test_the_import_check_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from annotations.models import Verdict\n")
    assert _imported_modules(sample) == ["annotations.models"]


def test_claims_templates_do_not_name_reviewing_templates():
    offenders = [
        str(path.relative_to(ROOT)) for path in (ROOT / "templates" / "claims").rglob("*.html")
        if "annotations/" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
