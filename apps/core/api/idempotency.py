"""`Idempotency-Key` on create endpoints: a retried request gets the first response again.

For one membership and key:

- another request with the same key still running → 409 (a PostgreSQL advisory lock, tried
  without waiting and held until the request's transaction ends);
- a stored response for the same method, path and body → replayed with the same status and body,
  plus `Idempotent-Replayed: true`; for a different request → 422;
- otherwise the view runs, and a successful response is stored in the same transaction as the
  write it reports, so both are kept or neither. Failed responses are not stored: the client may
  retry with the same key after fixing the request.

Use `@idempotent` on an `APIView.post`, or `IdempotentCreateMixin` on a generic view or viewset
(its `create`). Requests without the header are not affected.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.models import IdempotencyRecord

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
DEFAULT_RETENTION = timedelta(hours=24)

KEY_INVALID = "The Idempotency-Key header must be 1 to 255 printable ASCII characters."
KEY_REUSED = "This Idempotency-Key was already used for a different request."
KEY_IN_FLIGHT = "A request with this Idempotency-Key is still being processed; retry in a moment."

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique value (for example a UUID) that makes retries safe: a repeated request with "
        "the same key and body returns the first response, with `Idempotent-Replayed: true`. "
        "Keys are kept for 24 hours."
    ),
)


class IdempotencyKeyInvalid(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = KEY_INVALID
    default_code = "idempotency_key_invalid"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = KEY_REUSED
    default_code = "idempotency_key_reused"


class IdempotentRequestInFlight(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = KEY_IN_FLIGHT
    default_code = "idempotent_request_in_flight"
    wait = 1  # DRF's exception handler turns it into `Retry-After: 1`


def idempotent_response(request: Request, respond: Callable[[], Response]) -> Response:
    """Run `respond` at most once per Idempotency-Key of the token holder (see the module)."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    membership = getattr(request, "membership", None)
    if key is None or membership is None:
        return respond()  # no key, or a public endpoint with nobody to scope the key to
    if not (1 <= len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
        raise IdempotencyKeyInvalid()
    fingerprint = _fingerprint(request)

    with transaction.atomic():
        if not _try_lock(membership.organization_id, membership.pk, key):
            raise IdempotentRequestInFlight()
        record = IdempotencyRecord.objects.filter(membership=membership, key=key).first()
        if record is not None:
            if record.request_fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            if record.status_code is None:
                raise IdempotentRequestInFlight()
            return Response(
                record.response_body,
                status=record.status_code,
                headers={REPLAYED_HEADER: "true"},
            )

        response = respond()
        if isinstance(response, Response) and response.status_code < 400:
            _store(request, response, membership=membership, key=key, fingerprint=fingerprint)
        return response


def idempotent(view_method):
    """Decorate an `APIView.post` (or a viewset action) to honour `Idempotency-Key`."""
    return extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])(_honour_key(view_method))


def _honour_key(view_method):
    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        return idempotent_response(request, lambda: view_method(view, request, *args, **kwargs))

    return wrapper


class IdempotentCreateSchema(AutoSchema):
    """Documents the header on the create operation of a generic view or viewset."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST" and getattr(self.view, "action", "create") == "create":
            parameters = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
        return parameters


class IdempotentCreateMixin:
    """For generic views and viewsets: `create` (POST) honours `Idempotency-Key`."""

    schema = IdempotentCreateSchema()

    @_honour_key
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


def idempotency_prune(*, older_than: timedelta = DEFAULT_RETENTION) -> int:
    """Delete the current organisation's records older than `older_than`; returns how many."""
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted


def _fingerprint(request: Request) -> str:
    """The same key may only be replayed for the same method, path and (parsed) body."""
    payload = json.dumps(
        [request.method, request.path, request.data],
        sort_keys=True,
        separators=(",", ":"),
        default=_fingerprint_value,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _fingerprint_value(value) -> str:
    """A multipart upload counts by its content, not only its file name (which `str` gives)."""
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return f"file:{value.name}:{value.size}:{digest.hexdigest()}"
    return str(value)


def _try_lock(organization_id: int, membership_id: int, key: str) -> bool:
    """Take a transaction-level advisory lock on the key, without waiting.

    On SQLite (the demo) writers are serialised anyway; the unique constraint is the backstop.
    """
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s)",
            [idempotency_lock_id(organization_id, membership_id, key)],
        )
        return cursor.fetchone()[0]


def idempotency_lock_id(organization_id: int, membership_id: int, key: str) -> int:
    """The advisory lock's 64-bit id (a collision would only cause a spurious 409)."""
    digest = hashlib.sha256(f"idempotency:{organization_id}:{membership_id}:{key}".encode())
    return int.from_bytes(digest.digest()[:8], "big", signed=True)


def _store(request: Request, response: Response, *, membership, key: str, fingerprint: str):
    # Stored as the client received it (DRF's encoder: dates, decimals and UUIDs as strings).
    body = None if response.data is None else json.loads(JSONRenderer().render(response.data))
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                membership=membership,
                key=key,
                method=request.method,
                path=request.path[:300],
                request_fingerprint=fingerprint,
                status_code=response.status_code,
                response_body=body,
            )
    except IntegrityError:
        # A concurrent request stored the key first (only possible without the advisory lock):
        # undo this one's write, which the caller's transaction still holds.
        raise IdempotentRequestInFlight() from None
