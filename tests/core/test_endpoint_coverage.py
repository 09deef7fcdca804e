"""Every endpoint is exercised by a test that asserts what it changes or returns, not only by
the status sweeps (issue 16.2): for every rule in app.url_map, some test file other than the
matrix and sweep files names its path (a string literal or f-string that matches the rule,
query string aside) or its endpoint (`url_for("feature.view", ...)`).

The rule is a floor, not proof: a file that names a path is trusted to assert something about
it. A new route without such a test fails here with its path listed."""

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
# Status-only sweeps: they reach every route without asserting what it does.
SWEEPS = {"core/test_route_matrix.py", "core/route_matrix_table.py",
          "core/test_access_matrix.py", "core/test_no_500s.py", "core/test_endpoint_coverage.py"}
SWEEP_DIRS = ("fuzz/",)
HOLE = "\x00"  # stands for an f-string's {expression}
# Endpoints whose URL a test follows from a response rather than spelling it: the file that
# does so and asserts on the result.
FOLLOWED = {
    "certificates_api.issuer": "certificates/test_credentials.py",       # vc["issuer"]["id"]
    "certificates_api.achievement": "certificates/test_credentials.py",  # achievement["id"]
}


def _literals(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(paths named in string literals and f-strings, endpoints named in url_for calls)."""
    paths, endpoints = set(), set()
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for v in node.values}
    for node in ast.walk(tree):
        if id(node) in parts:
            continue
        if isinstance(node, ast.JoinedStr):
            paths.add("".join(v.value if isinstance(v, ast.Constant) else HOLE
                              for v in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            paths.add(node.value)
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
                node.func, "attr", None)) == "url_for" and node.args
                and isinstance(node.args[0], ast.Constant)):
            endpoints.add(node.args[0].value)
    cleaned = set()
    for text in paths:
        text = re.sub(r"^https?://[^/]+", "", text).split("?", 1)[0].split("#", 1)[0]
        if text.startswith("/") or text.startswith(HOLE + "/"):
            cleaned.add(text)
    return cleaned, endpoints


def _pattern(rule: str) -> re.Pattern:
    out, pos = [], 0
    for match in re.finditer(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule):
        out.append(re.escape(rule[pos:match.start()]))
        out.append(".+" if match.group(1) == "path" else "[^/]+")
        pos = match.end()
    out.append(re.escape(rule[pos:]))
    return re.compile("".join(out) + "/?")


def named_in_tests() -> tuple[set[str], set[str]]:
    paths, endpoints = set(), set()
    for file in TESTS.rglob("*.py"):
        name = file.relative_to(TESTS).as_posix()
        if name in SWEEPS or name.startswith(SWEEP_DIRS):
            continue
        found_paths, found_endpoints = _literals(ast.parse(file.read_text(encoding="utf-8")))
        paths |= found_paths
        endpoints |= found_endpoints
    return paths, endpoints


def uncovered(app) -> list[str]:
    paths, endpoints = named_in_tests()
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        if rule.endpoint in endpoints or rule.endpoint in FOLLOWED:
            continue
        pattern = _pattern(rule.rule)
        if not any(pattern.fullmatch(p) for p in paths):
            methods = ",".join(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
            missing.append(f"{methods} {rule.rule}  ({rule.endpoint})")
    return sorted(missing)


def test_the_matcher_reads_rules_and_f_strings():
    pattern = _pattern("/api/v1/payment-batches/<int:batch_id>.csv")
    assert pattern.fullmatch(f"/api/v1/payment-batches/{HOLE}.csv")
    assert pattern.fullmatch("/api/v1/payment-batches/12.csv")
    assert not pattern.fullmatch("/api/v1/payment-batches/12/paid")
    paths, endpoints = _literals(ast.parse(
        'f"/api/v1/exams/{exam.id}/attempts?x=1"\nurl_for("courses.menu", q=1)'))
    assert paths == {f"/api/v1/exams/{HOLE}/attempts"} and endpoints == {"courses.menu"}


def test_followed_endpoints_are_still_followed(app):
    names = {rule.endpoint for rule in app.url_map.iter_rules()}
    for endpoint, file in FOLLOWED.items():
        assert endpoint in names, f"{endpoint} is gone: drop it from FOLLOWED"
        assert "local_path(" in (TESTS / file).read_text(encoding="utf-8"), file


def test_every_endpoint_is_named_by_a_test_beyond_the_matrix(app):
    missing = uncovered(app)
    assert not missing, (
        f"{len(missing)} endpoints are reached only by the status sweeps; add a test that "
        "asserts what each returns or changes, in the feature's test folder:\n  "
        + "\n  ".join(missing))
