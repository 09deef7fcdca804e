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


def test_no_msgid_is_translated_two_ways_without_a_context():
    """Flask-Babel merges every feature's catalogue into one: the same (context, msgid) with
    two translations means one page shows the other feature's word. Give the word a context
    (pgettext) where the meanings differ, or the same translation where they do not."""
    from tools.i18n import collisions

    found = collisions()
    assert not found, "\n".join(
        f"{ctx + ' | ' if ctx else ''}{msgid!r}: " + ", ".join(
            f"{feature}={text!r}" for feature, text in sorted(by_feature.items()))
        for (ctx, msgid), by_feature in found.items())


def test_a_context_keeps_two_meanings_apart(app):
    """The merged catalogue answers each context with its own word (the collisions of issue 14
    were the last-loaded feature's word winning)."""
    from flask_babel import force_locale, gettext, pgettext

    with app.test_request_context("/"), force_locale("zh"):
        assert pgettext("exam question", "Previous") == "上一题"
        assert gettext("Previous") == "上一页"
        assert pgettext("exam attempt", "In progress") == "作答中"
        assert gettext("In progress") == "进行中"
        assert pgettext("attendance correction", "Correct") == "更正"
        assert gettext("Correct") == "正确"
        assert pgettext("employment", "Reject") == "不予确认"
        assert gettext("Reject") == "驳回"
