"""A mutation check for the money rules: each hand-made mutant (a rule's check removed) is
applied to a temporary copy of the source, and the existing tests of that rule, run against the
copy in a subprocess, must fail. A mutant that survives means those tests cannot catch the
rule breaking."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULE_TESTS = ["tests/subsidies/test_rules.py"]

# (what the mutant does, file, original text, mutated text, tests that must kill it)
MUTANTS = [
    ("yearly cap check removed", "subsidies/rules.py",
     'count + 1 <= cap, {"year": year}', 'True, {"year": year}', RULE_TESTS),
    ("attendance threshold removed", "subsidies/rules.py",
     "f.attended_minutes >= needed,", "True,", RULE_TESTS),
    ("claim deadline removed", "subsidies/rules.py",
     'f.claim_on <= deadline, {"months"', 'True, {"months"', RULE_TESTS),
    # Saving checks the deadline twice (before the write and in the UPDATE's WHERE): the mutant
    # removes both.
    ("exam answer deadline removed", "exams/autosave.py",
     ('if row.status != "in_progress" or now >= row.deadline:',
      '_attempts.c.status == "in_progress",\n'
      '               _attempts.c.deadline > bindparam("now")).exists()'),
     ('if row.status != "in_progress":',
      '_attempts.c.status == "in_progress").exists()'), ["tests/exams/test_autosave.py"]),
]
SKIP = shutil.ignore_patterns(".venv", "node_modules", ".git", "test-artifacts", "__pycache__",
                              "*.egg-info", "instance", "bench")


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("mutants") / "src"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    return copy


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="the mutants are logic only: checked once, in the SQLite run")
@pytest.mark.parametrize("name,path,original,mutated,tests", MUTANTS,
                         ids=[m[0] for m in MUTANTS])
def test_mutant_is_killed(source_copy, name, path, original, mutated, tests):
    target = source_copy / path
    pristine = mutant = target.read_text(encoding="utf-8")
    pairs = (zip(original, mutated, strict=True) if isinstance(original, tuple)
             else [(original, mutated)])
    for before, after in pairs:
        assert mutant.count(before) == 1, f"the code of {name!r} moved: update the mutant"
        mutant = mutant.replace(before, after)
    target.write_text(mutant, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}  # logic only
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
             "-o", "addopts=", *tests], cwd=source_copy, env=env, capture_output=True,
            text=True, timeout=280)
    finally:
        target.write_text(pristine, encoding="utf-8")
    assert run.returncode == 1, f"mutant survived ({name}):\n{run.stdout[-2000:]}"
    assert "failed" in run.stdout
