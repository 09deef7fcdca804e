"""The training menu's search: filters, relevance and one page of published courses.

The menu is the busiest public read. Building a SQLAlchemy statement costs more than running
it on 10,000 courses, so each combination of filters (its shape) is built once per process
with bound parameters and reused; the values travel as parameters. A request is two round
trips: the occupations matching `q` and the page with its total, or the page and its count.
"""

from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from sqlalchemy import Integer, bindparam, case, func, or_, select, union

from core.extensions import db
from courses import menu_cache, search
from courses.models import Course, Institution, Occupation, Platform


@dataclass
class MenuFilters:
    q: str | None = None
    occupation: str | None = None
    level: int | None = None
    mode: str | None = None
    region: str | None = None
    subsidised: bool | None = None


def _region_kind(region: str) -> str:
    if region == region[:2] + "0000":
        return "province"
    return "city" if region == region[:4] + "00" else "district"


def _region_values(region: str) -> dict:
    return {"region_province_like": region[:2] + "%", "region_city_like": region[:4] + "%",
            "region_province": region[:2] + "0000", "region_city": region[:4] + "00",
            "region": region}


def _region_test(column, kind: str, v: dict):
    """Courses a trainee of a region can take: those inside it (a province or city code covers
    its districts) and those offered for the whole city or province it belongs to. `v` holds
    _region_values, as literals or as bound parameters of those names."""
    if kind == "province":
        return column.like(v["region_province_like"])
    if kind == "city":
        return or_(column.like(v["region_city_like"]), column == v["region_province"])
    return column.in_([v["region"], v["region_city"], v["region_province"]])


def region_clause(column, region: str):
    """_region_test with the values of `region` written in (reports use it)."""
    return _region_test(column, _region_kind(region), _region_values(region))


_REGION_BINDS = {name: bindparam(name) for name in _region_values("000000")}


_LIMIT, _OFFSET = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)


def _contains(column, pattern, exact_case: bool):
    """LIKE where case cannot matter: SQLite's LIKE already ignores ASCII case (its ILIKE adds
    lower() on every row), and a `q` without cased letters (Chinese, digits) matches the same
    either way; PostgreSQL's ILIKE lowercases every title it tests, several times slower."""
    like = column.like if exact_case else column.ilike
    return like(pattern, escape="\\")


def _relevance(shape):
    """0 when the title starts with q, 1 when it contains it, 2 when only the occupation
    matched; case as `_contains` treats it. PostgreSQL: one strpos per row (cheaper than two
    LIKEs over a thousand matches); SQLite: two LIKEs (its lower() copies every title)."""
    if shape.sqlite:
        return case((_contains(Course.title, bindparam("q_prefix"), True), 0),
                    (_contains(Course.title, bindparam("q_like"), True), 1), else_=2)
    title, q = Course.title, bindparam("q")
    if not shape.exact_case:
        title, q = func.lower(title), func.lower(q)
    return case({1: 0, 0: 2}, value=func.strpos(title, q), else_=1)


def _like_escaped(q: str) -> str:
    """`q` as a LIKE pattern's literal part: a typed % or _ is a character, not a wildcard."""
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Occupations whose name or code matches `q`: looked up first (a tiny table) so that the
# planner sees how many there are; inside the menu statement PostgreSQL guessed hundreds of
# courses for none and scanned the whole table.
_MATCHING_OCCUPATIONS = select(Occupation.id).where(or_(
    Occupation.name_zh.ilike(bindparam("q_like"), escape="\\"),
    Occupation.name_en.ilike(bindparam("q_like"), escape="\\"),
    Occupation.code == bindparam("q")))


def _text_match(index: str, with_occupations: bool, exact_case: bool):
    """Courses whose title contains `q` or whose occupation matches it. `index` says which
    index finds the titles: "trigrams" (PostgreSQL's pg_trgm GIN index answers the LIKE itself,
    for a `q` of 3+ characters), "grams" (course_search_terms' pairs and trigrams, then the
    exact test on those candidates), or "" (too short for either: the substring test alone).

    With the pair table, written as `id IN (union)` so that the database starts from that
    index and the occupation index instead of testing every published course; with trigrams
    a plain OR on courses (PostgreSQL combines both indexes, or scans once when that is
    cheaper, instead of joining courses to itself).
    """
    title = _contains(Course.title, bindparam("q_like"), exact_case)
    by_occupation = Course.occupation_id.in_(bindparam("occupation_ids", expanding=True))
    if index != "grams":  # the trigram index (or none) serves the condition on courses itself
        return or_(title, by_occupation) if with_occupations else title
    found = search.candidates().subquery()
    by_title = select(Course.id).join(found, found.c.course_id == Course.id).where(title)
    if not with_occupations:
        return Course.id.in_(by_title)
    return Course.id.in_(union(by_title, select(Course.id).where(by_occupation)))


MENU_COLUMNS = (Course.id, Course.title, Course.level, Course.mode, Course.required_hours,
                Course.subsidised, Course.region_code, Course.fee_fen, Course.certificate_type,
                Course.status, Occupation.code, Occupation.name_zh, Occupation.name_en,
                Platform.id.label("platform_id"), Platform.name.label("platform_name"),
                Institution.id.label("institution_id"),
                Institution.name.label("institution_name"))


def _menu_rows(courses):
    """MENU_COLUMNS from `courses` (the table, or it joined to a ranked page of ids)."""
    return (select(*MENU_COLUMNS).select_from(courses)
            .join(Occupation, Course.occupation_id == Occupation.id)
            .outerjoin(Platform, Course.platform_id == Platform.id)
            .outerjoin(Institution, Course.institution_id == Institution.id))


@dataclass(frozen=True)
class _Shape:
    """Which filters a request uses (not their values): one prepared statement each."""

    sqlite: bool
    exact_case: bool  # LIKE, not ILIKE (see _contains)
    q: bool
    index: str  # which index finds titles containing q (see _text_match)
    occupations: bool  # q matches occupations
    occupation: bool
    level: bool
    mode: bool
    region: str | None
    subsidised: bool


def _conditions(shape: _Shape) -> list:
    """WHERE clauses on `courses` alone (occupations as ids looked up first or as a subquery on
    their tiny table), so the menu query needs no join and can walk the (status, published_at)
    index."""
    conditions = [Course.status == "published"]
    if shape.q:
        conditions.append(_text_match(shape.index, shape.occupations, shape.exact_case))
    if shape.occupation:
        conditions.append(Course.occupation_id == select(Occupation.id).where(
            Occupation.code == bindparam("occupation")).scalar_subquery())
    if shape.level:
        conditions.append(Course.level == bindparam("level"))
    if shape.mode:
        conditions.append(Course.mode == bindparam("mode"))
    if shape.region:
        conditions.append(_region_test(Course.region_code, shape.region, _REGION_BINDS))
    if shape.subsidised:
        conditions.append(Course.subsidised == bindparam("subsidised"))
    return conditions


@lru_cache(maxsize=128)
def _statements(shape: _Shape):
    """(count, page) statements for one shape. With `q` the page also carries the total."""
    conditions = _conditions(shape)
    count = select(func.count(Course.id)).where(*conditions)
    if not shape.q:
        page = (_menu_rows(Course).where(*conditions)
                .order_by(Course.published_at.desc(), Course.id.desc())
                .limit(_LIMIT).offset(_OFFSET))
        return count, page
    # A common word matches a thousand courses: rank their ids alone (a narrow top-N sort in
    # the database, counted in the same pass, so the n-gram lookup runs once) and join the
    # page's rows only to their occupation and provider.
    score = _relevance(shape).label("score")
    ranked = (select(Course.id, score, Course.published_at,
                     func.count().over().label("total"))
              .where(*conditions)
              .order_by(score, Course.published_at.desc(), Course.id.desc())
              .limit(_LIMIT).offset(_OFFSET)).subquery()
    page = (_menu_rows(ranked.join(Course, Course.id == ranked.c.id))
            .add_columns(ranked.c.total)
            .order_by(ranked.c.score, ranked.c.published_at.desc(), ranked.c.id.desc()))
    return count, page


def _title_index(q: str, sqlite: bool, has_grams: bool, caseless: bool) -> str:
    """PostgreSQL's trigram index for 3+ characters without case (Chinese): measured faster
    than the pair table there. A Latin word keeps the pair table's trigrams: PostgreSQL's
    planner tested ILIKE on every title rather than use its GIN index (4.2 vs 2.1 ms)."""
    if not sqlite and caseless and len(q) >= 3:
        return "trigrams"
    return "grams" if has_grams else ""


def _shape_and_params(filters: MenuFilters, sqlite: bool) -> tuple[_Shape, dict]:
    q = search.fold_width(filters.q or "").strip()
    params: dict = {}
    if q:
        literal = _like_escaped(q)
        params.update(q=q, q_like=f"%{literal}%", q_prefix=f"{literal}%",
                      **search.candidate_params(q))
        params["occupation_ids"] = db.session.scalars(_MATCHING_OCCUPATIONS, params).all()
    if filters.occupation:
        params["occupation"] = filters.occupation
    if filters.level:
        params["level"] = filters.level
    if filters.mode:
        params["mode"] = filters.mode
    if filters.region:
        params.update(_region_values(filters.region))
    if filters.subsidised is not None:
        params["subsidised"] = filters.subsidised
    caseless = q.lower() == q == q.upper()
    shape = _Shape(sqlite=sqlite, exact_case=sqlite or caseless, q=bool(q),
                   index=_title_index(q, sqlite, bool(params.get("grams")), caseless),
                   occupations=bool(params.get("occupation_ids")),
                   occupation=bool(filters.occupation), level=bool(filters.level),
                   mode=bool(filters.mode),
                   region=_region_kind(filters.region) if filters.region else None,
                   subsidised=filters.subsidised is not None)
    return shape, params


def menu_item(row, locale: str) -> dict:
    """The API's menu item shape, from one MENU_COLUMNS row."""
    if row.platform_id is not None:
        provider = {"kind": "platform", "id": row.platform_id, "name": row.platform_name}
    elif row.institution_id is not None:
        provider = {"kind": "institution", "id": row.institution_id,
                    "name": row.institution_name}
    else:
        provider = None
    return {
        "id": row.id, "title": row.title,
        "occupation": {"code": row.code, "name_zh": row.name_zh, "name_en": row.name_en,
                       "name": row.name_zh if locale.startswith("zh") else row.name_en},
        "level": row.level, "mode": row.mode, "required_hours": row.required_hours,
        "provider": provider, "subsidised": row.subsidised, "region_code": row.region_code,
        "fee_fen": row.fee_fen, "certificate_type": row.certificate_type, "status": row.status,
    }


def _page_key(filters: MenuFilters, page: int, per_page: int, locale: str) -> tuple:
    """Everything a menu page depends on, besides the menu's tables."""
    return (search.fold_width(filters.q or "").strip(), filters.occupation, filters.level,
            filters.mode, filters.region, filters.subsidised, page, per_page, locale)


def menu_page(filters: MenuFilters, page: int, per_page: int, locale: str) -> dict:
    """One page of published courses matching the filters, with the total: by relevance when
    `q` is given, newest first otherwise (and among equally relevant courses). Served from
    menu_cache while no course, occupation or provider has changed since it was read."""
    return menu_cache.page(("page", *_page_key(filters, page, per_page, locale)),
                           lambda: _read_menu_page(filters, page, per_page, locale))


def menu_page_json(filters: MenuFilters, page: int, per_page: int, locale: str) -> bytes:
    """menu_page as the API's JSON body, encoded once per cached page."""
    return menu_cache.page(("json", *_page_key(filters, page, per_page, locale)),
                           lambda: current_app.json.dumps(
                               _read_menu_page(filters, page, per_page, locale),
                               separators=(",", ":")).encode())  # as jsonify sends it


def _read_menu_page(filters: MenuFilters, page: int, per_page: int, locale: str) -> dict:
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    shape, params = _shape_and_params(filters, sqlite)
    count, page_rows = _statements(shape)
    rows = db.session.execute(page_rows, {**params, "limit": per_page,
                                          "offset": (page - 1) * per_page}).all()
    if shape.q and rows:
        total = rows[0].total
    else:  # without q, or past the last page: count
        total = db.session.scalar(count, params)
    return {"items": [menu_item(row, locale) for row in rows], "total": total, "page": page,
            "per_page": per_page}
