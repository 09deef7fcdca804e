"""API plumbing: blueprints under /api/v1, list pagination, common schemas."""

from datetime import UTC, date, datetime

from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate
from webargs.flaskparser import FlaskParser

from core.extensions import db


class ApiBlueprint(Blueprint):
    # webargs would silently drop unknown query parameters; let the schema decide
    # (StrictSchema raises, so `?colour=red` is a 422 rather than an ignored filter).
    ARGUMENTS_PARSER = FlaskParser(unknown=None)


def api_blueprint(name: str, import_name: str, description: str = "") -> Blueprint:
    """A flask-smorest blueprint mounted at /api/v1 (register it with core.api.register)."""
    return ApiBlueprint(name, import_name, url_prefix="/api/v1", description=description)


def register(app, blueprint: Blueprint) -> None:
    """Attach an API blueprint; bearer-token APIs are CSRF-exempt (core.auth re-checks cookies)."""
    from core.extensions import api, csrf

    api.register_blueprint(blueprint)
    csrf.exempt(blueprint)


def already_dumped(payload: dict, status: int = 200):
    """The JSON response of a payload built in its documented response schema's shape (the
    schema's fields only, values already of their JSON types), sent without the schema's
    dump: flask-smorest passes a Response through. For the exam steps every candidate runs,
    where dumping 16 questions field by field cost more than building them; their tests pin
    that dumping the payload through its schema changes nothing."""
    from flask import jsonify

    response = jsonify(payload)
    response.status_code = status
    return response


# Ids, minutes, points and fen live in PostgreSQL `integer` columns: a number outside this
# range can match nothing and would overflow the driver (a 500), so it is a 422 up front.
DB_INT_MIN, DB_INT_MAX = -(2**31), 2**31 - 1


def _add_validator(field, validator) -> None:
    """A new list, never append: marshmallow copies a field per schema instance shallowly, so
    the validators list is the declared field's own and an append would pile up one more
    check (and one more copy of its message) with every instance."""
    field.validators = [*field.validators, validator]


def _bound_integers(field) -> None:
    if isinstance(field, fields.Integer) and not field.metadata.get("unbounded"):
        _add_validator(field, validate.Range(min=DB_INT_MIN, max=DB_INT_MAX))
    elif isinstance(field, fields.List):
        _bound_integers(field.inner)
    elif isinstance(field, fields.Tuple):
        for inner in field.tuple_fields:
            _bound_integers(inner)
    elif isinstance(field, fields.Dict) and field.value_field is not None:
        _bound_integers(field.value_field)


# Dates and times the app can do arithmetic on: year 1 at +22:05 has no UTC instant (an API
# fuzzer's 500 on an offline check-in), and a deadline added to 9999-12-31 overflows.
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


def _sane_time(value) -> None:
    """A validator for Date and AwareDateTime fields: a day or instant in EARLIEST..LATEST."""
    try:
        day = value.astimezone(UTC).date() if isinstance(value, datetime) else value
    except OverflowError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        from flask_babel import gettext as _

        raise ValidationError(_("Must be between %(first)s and %(last)s.",
                                first=EARLIEST.isoformat(), last=LATEST.isoformat()))


def _bound_times(field) -> None:
    if isinstance(field, fields.Date | fields.DateTime):
        _add_validator(field, _sane_time)
    elif isinstance(field, fields.List):
        _bound_times(field.inner)


def _fractional(value) -> bool:
    return isinstance(value, float) and not value.is_integer()  # also inf and NaN


class StrictSchema(Schema):
    """Unknown fields are an error, not silently dropped; integers are whole numbers that fit
    the database's columns (the range is in the OpenAPI document too)."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name, field_obj):
        _bound_integers(field_obj)
        _bound_times(field_obj)

    @pre_load
    def whole_numbers(self, data, **kwargs):
        """marshmallow's Integer truncates a JSON number: 2.7 workers became 2 and an exam id
        of -4.9e-160 became 0 (an API fuzzer's find). A number with a fraction is refused;
        2.0 is the integer 2 (JSON Schema agrees), and strings are the field's own business."""
        if not isinstance(data, dict):
            return data
        errors = {}
        for name, field in self.load_fields.items():
            key = field.data_key or name
            value = data.get(key)
            if isinstance(field, fields.Integer) and _fractional(value):
                errors[key] = field.make_error("invalid").messages
            elif (isinstance(field, fields.List) and isinstance(field.inner, fields.Integer)
                  and isinstance(value, list) and any(_fractional(v) for v in value)):
                errors[key] = field.inner.make_error("invalid").messages
        if errors:
            raise ValidationError(errors)
        return data


class QueryArgs(StrictSchema):
    """Query-string arguments: `?level=&q=` (empty values, as forms send them) mean "not set"."""

    @pre_load
    def drop_empty(self, data, **kwargs):
        return {k: v for k, v in data.items() if v != ""}


MAX_PAGE = 100000


class PageArgs(QueryArgs):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PageSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


def page_of(item_schema: type[Schema], name: str | None = None) -> type[Schema]:
    """A `{"items": [...], "total", "page", "per_page"}` schema for `item_schema`."""
    return type(name or f"{item_schema.__name__.removesuffix('Schema')}PageSchema", (PageSchema,),
                {"items": fields.List(fields.Nested(item_schema), required=True)})


def paginate(stmt, page: int, per_page: int, dump=lambda row: row) -> dict:
    """Run `stmt` for one page plus a count; `dump` turns each row into a plain dict."""
    from sqlalchemy import func, select

    page = min(max(page, 1), MAX_PAGE)  # ?page=10**20 on a page view: an empty page, not a 500
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [dump(r) for r in rows], "total": total, "page": page, "per_page": per_page}
