"""The served OpenAPI document tells the truth about errors: the body we really send
(`{"error": {"code", "message", "fields"}}`) and the error statuses each operation can answer.
Bodies a view reads itself (uploads, signed webhooks) are described with `request_body`."""

from apispec import BasePlugin
from flask_smorest import Api
from marshmallow import INCLUDE, Schema, fields


class ErrorDetailSchema(Schema):
    class Meta:
        unknown = INCLUDE  # some errors add context (e.g. the attempt that is already open)

    code = fields.String(required=True, metadata={"description": "snake_case error code"})
    message = fields.String(required=True, metadata={"description": "human-readable message"})
    fields_ = fields.Dict(required=True, data_key="fields", keys=fields.String(), metadata={
        "description": "messages per invalid input field (empty when none)"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


# flask-smorest registers one response component per HTTP status under these names.
_NAMES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
          409: "CONFLICT", 413: "REQUEST_ENTITY_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
          422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUESTS"}
_WRITES = ("post", "put", "patch", "delete")


def _error_statuses(path: str, method: str, operation: dict) -> list[int]:
    statuses = []
    if operation.get("security"):
        statuses += [401, 403]
    if "{" in path:
        statuses.append(404)
    if method in _WRITES:
        statuses += [400, 409, 413, 415, 422]
    elif operation.get("parameters"):
        statuses.append(422)
    return statuses


class ErrorResponsesPlugin(BasePlugin):
    """Every operation documents the error responses it can answer, each with ErrorSchema."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            if method not in ("get", *_WRITES):
                continue
            for parameter in operation.get("parameters") or []:
                if isinstance(parameter, dict) and parameter.get("in") == "query":
                    # core.api.QueryArgs reads `?level=` (as forms send it) as "not set"
                    parameter.setdefault("allowEmptyValue", True)
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(path or "", method, operation):
                if status not in responses and str(status) not in responses:
                    responses[status] = _NAMES[status]


class SkillBridgeApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _init_spec(self, *, extra_plugins=None, **kwargs):
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), ErrorResponsesPlugin()],
                           **kwargs)


def file_response(*content_types: str, description: str = "A file") -> dict:
    """`@blp.doc(**file_response("text/csv"))` for a view that answers with a file (JSON
    types: any JSON document)."""
    return {"responses": {200: {"description": description, "content": {
        content_type: {"schema": {} if content_type.endswith("json")
                       else {"type": "string", "format": "binary"}}
        for content_type in content_types}}}}


def request_body(content: dict, description: str = "", required: bool = True) -> dict:
    """`@blp.doc(**request_body({...}))` for a body the view reads itself."""
    body = {"required": required, "content": content}
    if description:
        body["description"] = description
    return {"requestBody": body}


def multipart_file(field: str = "file", description: str = "") -> dict:
    """The content entry of a multipart upload with one required file field."""
    return {"multipart/form-data": {"schema": {
        "type": "object", "required": [field],
        "properties": {field: {"type": "string", "format": "binary",
                               "description": description}}}}}


def file_upload(field: str = "file", description: str = "") -> dict:
    """`@blp.doc(**file_upload())`: the view reads `request.files[field]` itself."""
    return request_body(multipart_file(field, description), description)
