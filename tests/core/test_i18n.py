"""The zh catalogue is complete: every extracted string has a translation, none fuzzy."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("*/translations/zh/LC_MESSAGES/messages.po"))


def test_every_feature_with_strings_has_a_zh_catalogue():
    assert {p.parts[-5] for p in CATALOGUES} >= {"core", "accounts", "courses"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_zh_catalogue_is_complete(path):
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale="zh")
    untranslated = [m.id for m in catalogue if m.id and not (
        m.string[0] if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not untranslated, f"untranslated in {path}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {path}: {fuzzy[:10]}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_zh_catalogue_is_compiled_from_the_current_po(path):
    mo = path.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= path.stat().st_mtime - 1, \
        "run `make translations` (make install does it)"
