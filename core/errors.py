"""Errors: JSON `{"error": {"code", "message", "fields"}}` under /api/, friendly pages elsewhere."""

from contextlib import contextmanager

from flask import current_app, has_request_context, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.extensions import db

DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}


# Set on the request when any service error is raised in it: the request then rolls back
# whatever the view returns (a view that catches the error and redirects with a flash must not
# commit what the service flushed before it failed). See core.setup.commit_or_rollback.
_FAILED = "skillbridge.service_error"


def request_failed() -> bool:
    """True when a service error was raised during this request (caught or not)."""
    return has_request_context() and bool(request.environ.get(_FAILED))


@contextmanager
def recoverable():
    """A step whose failure the caller handles and goes on from (a claim that cannot open must
    not undo the certificate): its changes roll back to a savepoint and the request may still
    commit the rest."""
    failed_before = request_failed()
    try:
        with db.session.begin_nested():
            yield
    except Exception:
        if has_request_context():
            request.environ[_FAILED] = failed_before
        raise


class ServiceError(Exception):
    """A business rule said no. Services raise it; views and the API turn it into a 4xx."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, fields: dict | None = None,
                 status: int | None = None, extra: dict | None = None,
                 audit: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.fields = fields or {}
        self.status = status or self.status
        self.extra = extra or {}
        # core.audit.record(**audit) kept although the request fails (a refused money action).
        self.audit = audit
        if has_request_context():
            request.environ[_FAILED] = True


class NotFound(ServiceError):
    status, code = 404, "not_found"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class Invalid(ServiceError):
    status, code = 422, "validation_error"


def is_api_request() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/.well-known/")


def json_error(status: int, code: str, message: str, fields: dict | None = None,
               extra: dict | None = None):
    from core.field_messages import translate_all

    body = {"error": {"code": code, "message": message, "fields": translate_all(fields or {})}}
    if extra:
        body["error"].update(extra)
    return jsonify(body), status


def _webargs_fields(error: HTTPException) -> dict:
    """flask-smorest/webargs put validation messages at data["messages"][location]."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    fields: dict = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            fields.update(location_messages)
    return fields


def handle_service_error(error: ServiceError):
    db.session.rollback()
    if error.audit:
        from core.audit import record_refusal

        record_refusal(error)
        db.session.commit()  # only the refusal's audit row: the rest was rolled back above
    if is_api_request():
        return json_error(error.status, error.code, error.message, error.fields, error.extra)
    return render_template("errors/error.html", status=error.status, message=error.message), \
        error.status


def handle_http_exception(error: HTTPException):
    db.session.rollback()
    status = error.code or 500
    if is_api_request():
        fields = _webargs_fields(error)
        code = DEFAULT_CODES.get(status, "error")
        message = error.description or ""
        if status == 422 and fields:
            message = _("Some fields are invalid.")
        if status == 400 and request.is_json and request.get_data() \
                and request.get_json(silent=True) is None:
            code, message = "malformed_json", _("The request body is not valid JSON.")
        if isinstance(error, CSRFError):
            code = "csrf_failed"
        response, status = json_error(status, code, message, fields)
        if status == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))  # RFC 9110
        if getattr(error, "response", None) is not None and status == 429:
            response.headers.extend(
                {k: v for k, v in error.response.headers.items() if k.startswith(("Retry", "X-"))}
            )
        return response, status
    return render_template("errors/error.html", status=status,
                           message=_error_message(status)), status


def _error_message(status: int) -> str:
    return {
        400: _("The request could not be understood. Please go back and try again."),
        401: _("Please log in to continue."),
        403: _("You do not have access to this page."),
        404: _("We could not find that page."),
        405: _("That action is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
    }.get(status, _("Something went wrong on our side. Please try again later."))


def handle_unexpected(error: Exception):
    db.session.rollback()
    current_app.logger.exception("unhandled error", exc_info=error)
    if current_app.config.get("TESTING") and current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise error
    return handle_http_exception(InternalServerError())


def init_app(app) -> None:
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
