"""The house rules, read from the source (ast), so that they stay true: no feature imports
another feature's views; core/ imports no feature; certificates/jobs.py does not import the
application module; the reports page modules do not import each other."""

import ast
from pathlib import Path

import pytest

from app import FEATURES

ROOT = Path(__file__).resolve().parents[2]
FEATURE_NAMES = [name for name in FEATURES if name != "core"]


def _imports(path: Path) -> list[str]:
    """Every module imported anywhere in the file (functions included)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _is_views(module: str) -> bool:
    last = module.split(".")[-1]
    return last == "views" or last.endswith("_views") or last.startswith("views_")


@pytest.mark.parametrize("feature", FEATURE_NAMES)
def test_no_feature_imports_another_features_views(feature):
    wrong = [f"{path.relative_to(ROOT)}: {module}" for path in _sources(feature)
             for module in _imports(path)
             if module.split(".")[0] in FEATURE_NAMES and module.split(".")[0] != feature
             and len(module.split(".")) > 1 and _is_views(module.split(".")[1])]
    assert not wrong, wrong


def test_core_imports_no_feature():
    wrong = [f"{path.relative_to(ROOT)}: {module}" for path in _sources("core")
             for module in _imports(path) if module.split(".")[0] in (*FEATURE_NAMES, "app")]
    assert not wrong, wrong


def test_certificate_jobs_build_their_app_without_importing_app():
    assert not [m for m in _imports(ROOT / "certificates" / "jobs.py")
                if m.split(".")[0] == "app"]


def test_report_page_modules_do_not_import_each_other():
    pages = [p for p in _sources("reports") if _is_views(p.stem)]
    for path in pages:
        others = {f"reports.{p.stem}" for p in pages if p != path}
        assert not others & set(_imports(path)), path.name


def test_one_helper_each():
    """Occupation choices, occupation refs, CSV writing and the enrolment check are defined
    once (courses.service, core.csvexport) and not again in another feature."""
    definitions: dict[str, list[str]] = {}
    for folder in ("core", *FEATURE_NAMES):
        for path in _sources(folder):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef) and node.name in (
                        "occupation_choices", "enrolment_for", "safe_cell", "csv_text"):
                    definitions.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    assert definitions == {
        "occupation_choices": ["courses/service.py"], "enrolment_for": ["courses/service.py"],
        "safe_cell": ["core/csvexport.py"], "csv_text": ["core/csvexport.py"]}
    writers = [str(p.relative_to(ROOT)) for folder in FEATURE_NAMES for p in _sources(folder)
               if "csv.writer(" in p.read_text(encoding="utf-8")
               or "csv.DictWriter(" in p.read_text(encoding="utf-8")]
    assert not writers, f"write CSV with core.csvexport: {writers}"
