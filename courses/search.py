"""Menu search index: the character n-grams of every course title, in `course_search_terms`.

Chinese has no spaces, so a word index does not work; the title is cut into overlapping
Chinese character pairs (直播销售 → 直播, 播销, 销售) and Latin/digit runs into trigrams
(sewing → sew, ewi, win, ing). A query is cut the same way: a course can contain the query
only if it has all of the query's grams, which one indexed lookup per gram finds; the exact
substring test then runs on those few candidates only. Plain tables and B-tree indexes, so
SQLite and PostgreSQL give the same answers. A query too short to have a gram (one Chinese
character, two Latin letters) falls back to the substring test alone.
"""

import re
from functools import cache

from sqlalchemy import Integer, bindparam, delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from core.extensions import db
from courses.models import Course, CourseSearchTerm

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD_RUN = re.compile(r"[0-9a-z]+")


# Full-width Latin letters and digits (ＰＳ, Ｅｘｃｅｌ, ２０２６, typed by a Chinese keyboard in
# full-width mode) and the ideographic space, as their ASCII forms. Only these: full-width
# brackets and punctuation are how Chinese titles are written (养老护理员（初级）).
_WIDTH_FOLD = {**{c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)},
               **{c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)},
               **{c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)}, 0x3000: 0x20}


def fold_width(text: str) -> str:
    """A query as a title would spell it: full-width letters, digits and spaces folded."""
    return text.translate(_WIDTH_FOLD)


def grams(text: str) -> set[str]:
    """Chinese character pairs and Latin/digit trigrams of `text` (lower-cased)."""
    text = (text or "").lower()
    found = set()
    for run in _CJK_RUN.findall(text):
        found.update(run[i:i + 2] for i in range(len(run) - 1))
    for run in _WORD_RUN.findall(text):
        found.update(run[i:i + 3] for i in range(len(run) - 2))
    return found


def candidate_params(query: str) -> dict:
    """The bound values of candidates() for `query`; its `grams` is empty when the query is too
    short to have one (then the index cannot help)."""
    wanted = sorted(grams(query))
    return {"grams": wanted, "gram_count": len(wanted)}


@cache
def candidates():
    """Course ids having every gram of the query (candidate_params), built once: the values
    are bound parameters."""
    return (select(CourseSearchTerm.course_id)
            .where(CourseSearchTerm.term.in_(bindparam("grams", expanding=True)))
            .group_by(CourseSearchTerm.course_id)
            .having(func.count(CourseSearchTerm.term) == bindparam("gram_count", type_=Integer)))


def reindex(connection, titles: dict[int, str]) -> None:
    """Replace the index rows of the given courses ({course id: title})."""
    if not titles:
        return
    table = CourseSearchTerm.__table__
    connection.execute(delete(table).where(table.c.course_id.in_(list(titles))))
    rows = [{"course_id": course_id, "term": term}
            for course_id, title in titles.items() for term in grams(title)]
    if rows:
        connection.execute(insert(table), rows)


def reindex_all() -> int:
    """Rebuild the whole index (`flask menu reindex`); returns the number of courses."""
    titles = dict(db.session.execute(select(Course.id, Course.title)).all())
    db.session.execute(delete(CourseSearchTerm))
    for start in range(0, len(titles), 2000):
        chunk = dict(list(titles.items())[start:start + 2000])
        reindex(db.session.connection(), chunk)
    return len(titles)


@event.listens_for(Session, "after_flush")
def _index_flushed_courses(session, _context) -> None:
    # Every way a course is created or renamed goes through a flush (service, demo, imports),
    # so the index cannot drift from the titles.
    changed = {}
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Course) and obj.id is not None:
            state = inspect(obj)
            if obj in session.new or state.attrs.title.history.has_changes():
                changed[obj.id] = obj.title
    reindex(session.connection(), changed)
