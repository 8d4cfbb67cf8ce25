"""RFC 9457 problem details for every API error."""

import re
from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.core.errors import ApplicationError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(
    *, status_code: int, title: str, detail: str = "", errors: dict | None = None,
    headers: dict | None = None,
) -> Response:  # fmt: skip
    body = {"type": "about:blank", "title": title, "status": status_code}
    if detail:
        body["detail"] = _encodable(detail)
    if errors:
        body["errors"] = _encodable(errors)
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(value):
    """Messages may quote the input (`"…" is not a valid choice.`), and JSON input may hold a
    lone surrogate (`"\\ud800"`), which no UTF-8 response can carry: such characters become
    U+FFFD instead of a 500 while rendering."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(item) for item in value]
    return value


def problem_exception_handler(exc, context):
    """Map DRF, Django and application errors to problem details; anything else stays a 500."""
    if isinstance(exc, ApplicationError):
        errors = {exc.field or "non_field_errors": [exc.message]}
        return problem_response(
            status_code=status.HTTP_400_BAD_REQUEST,
            title="Invalid request",
            detail=exc.message,
            errors=errors,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {
        key: value
        for key, value in response.headers.items()
        if key in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        return problem_response(
            status_code=response.status_code,
            title="Invalid request",
            detail="One or more fields are invalid.",
            errors=errors,
            headers=headers,
        )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else ""
    return problem_response(
        status_code=response.status_code,
        title=str(status_text(response.status_code)),
        detail=str(detail),
        headers=headers,
    )


def status_text(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


class ProblemSerializer(serializers.Serializer):
    """The shape of every error response (for the OpenAPI document)."""

    type = serializers.CharField(default="about:blank")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    errors = serializers.DictField(
        required=False, help_text="For invalid input: each field's name and its messages."
    )

    class Meta:
        ref_name = "Problem"


def problem_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Error responses for `@extend_schema(responses={200: ..., **problem_responses(401, 404)})`.

    Keyed by status code alone: drf-spectacular's list detection reads the lowest key, and a
    `(code, media type)` key would hide the pagination parameters of list endpoints.
    """
    return {
        code: OpenApiResponse(
            ProblemSerializer, description=f"{status_text(code)} (application/problem+json)"
        )
        for code in codes
    }


def problem_json(
    *, status: int, title: str, detail: str = "", headers: dict | None = None
) -> JsonResponse:
    """A problem-details response for code outside DRF views (middleware, error handlers)."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE, headers=headers)


def problem_media_type_hook(result, generator, request, public):
    """drf-spectacular post-processing: error responses are documented as what they are,
    `application/problem+json`, not the renderer's `application/json`; and every operation that
    takes a body documents the 415 DRF answers for a body of another media type.

    Done here rather than with `(code, media type)` keys in `problem_responses`, which would
    hide the pagination parameters of list endpoints (see there).
    """
    unsupported = {
        "description": f"{status_text(415)} ({PROBLEM_CONTENT_TYPE})",
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            for code, response in responses.items():
                content = response.get("content", {})
                if str(code).startswith(("4", "5")) and "application/json" in content:
                    content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
            if "requestBody" in operation and "415" not in responses:
                responses["415"] = unsupported
    return result
