"""Wiring shared by every feature: extensions, request lifecycle, security headers, locale."""

import select
import time

from flask import Flask, jsonify, request, session
from flask_login import current_user
from flask_smorest.spec.plugins import integerconverter2paramschema
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, InvalidatePoolError
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

from core import errors, unstorable
from core.extensions import api, babel, csrf, db, limiter, login_manager, migrate

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def select_locale() -> str:
    from flask import current_app, has_request_context

    if not has_request_context():  # CLI commands and jobs
        return current_app.config.get("CLI_LOCALE", "en")
    languages = list(current_app_languages())
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        if getattr(current_user, "locale", None) in languages:
            return current_user.locale
    return request.accept_languages.best_match(languages) or "zh"


def current_app_languages():
    from flask import current_app

    return current_app.config["LANGUAGES"].keys()


class DbIntConverter(IntegerConverter):
    """`<int:id>` bounded to the database's integer columns (PostgreSQL `integer`, 32 bits): a
    larger id cannot exist, so it is a 404 instead of a driver overflow (a 500)."""

    def __init__(self, map, *args, min=None, max=None, **kwargs):  # noqa: A002 - werkzeug's names
        from core.api import DB_INT_MAX

        super().__init__(map, *args, min=min, max=DB_INT_MAX if max is None else max, **kwargs)

    def to_python(self, value: str):
        try:
            return super().to_python(value)
        except ValidationError:
            # Not werkzeug's "try the next rule": a twin rule for another method would then
            # turn an id that cannot exist into a 405.
            raise NotFound() from None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# A pooled connection used this recently is not pinged on checkout unless its socket shows
# the server closed it (see `_ping_if_stale`).
PING_AFTER_IDLE_SECONDS = 10.0
_RETURNED_AT = "skillbridge_returned_at"


def _note_return(_dbapi_connection, record) -> None:
    record.info[_RETURNED_AT] = time.monotonic()


def _socket_closed(dbapi_connection) -> bool:
    """True when the server closed the connection or sent something while it sat idle in the
    pool (a restart or a terminated backend sends its notice and closes the socket, so the
    socket reads as ready): a local poll, no round trip. Drivers without a socket (SQLite)
    never read as closed."""
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:
        return False
    try:
        poller = select.poll()
        poller.register(fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    except (OSError, ValueError, AttributeError):  # closed or unusable: let the ping decide
        return True


def _ping_if_stale(engine):
    """Replaces `pool_pre_ping`, which cost every request a round trip (the pool hands each
    request its connection afresh): a connection is pinged when it sat idle past
    PING_AFTER_IDLE_SECONDS or its socket shows the server closed it; a failed ping
    invalidates the pool as pre-ping does. A fresh connection is not pinged (nor by pre-ping).
    Under load connections come back within milliseconds, so the round trip goes away; after
    a quiet spell (when idle timeouts and restarts bite) every connection is pinged as
    before."""
    dialect = engine.dialect

    def checkout(dbapi_connection, record, _proxy) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is None:  # fresh from connect
            return
        if time.monotonic() - returned < PING_AFTER_IDLE_SECONDS \
                and not _socket_closed(dbapi_connection):
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise InvalidatePoolError()  # reconnect, and retire the pool's older connections

    return checkout


def init_extensions(app: Flask) -> None:
    app.url_map.converters["int"] = DbIntConverter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    limiter.init_app(app)
    api.init_app(app)
    api.register_converter(DbIntConverter, integerconverter2paramschema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer"})
    with app.app_context():
        event.listen(db.engine, "checkout", _ping_if_stale(db.engine))
        event.listen(db.engine, "checkin", _note_return)
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
            db.engine.dispose()  # connections made before the listener get the pragmas too

    app.before_request(unstorable.refuse_unstorable_text)

    @app.after_request
    def commit_or_rollback(response):
        # The one commit of a request: only when it succeeded, and no service error was raised
        # in it (even one a view caught and answered with a redirect). A request that never
        # opened a session (a cached menu page, a health check) has nothing to end.
        if not db.session.registry.has():
            return response
        if response.status_code < 400 and not errors.request_failed():
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                if errors.is_api_request():
                    return errors.json_error(409, "conflict", "The change conflicts with "
                                             "the current state; reload and try again.")[0], 409
                raise
        else:
            db.session.rollback()
        return response

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def finish(app: Flask) -> None:
    """After the features registered: error handlers last so they win over flask-smorest's."""
    errors.init_app(app)

    @app.get("/healthz")
    def healthz():
        db.session.execute(db.text("SELECT 1"))
        return jsonify(status="ok")
