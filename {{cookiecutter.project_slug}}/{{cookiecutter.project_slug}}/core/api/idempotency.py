"""Writes a client can retry safely: the Idempotency-Key header (the IETF httpapi draft "The
Idempotency-Key HTTP Header Field").

A client whose write times out, or whose connection drops before the answer arrives, cannot
tell whether the write was made. With a key, it retries without fear:

- the first successful answer is stored in PostgreSQL in the write's own transaction, so it
  exists if and only if the write committed;
- a retry with the same key and the same request gets that answer back, with
  `Idempotent-Replayed: true`, and writes nothing;
- the same key with another request is a 422, and a retry while the first request runs a 409;
- keys belong to their caller and expire after EXPIRES_AFTER (24 hours).

A failed request (a 4xx or a crash) rolls back and stores nothing: sent again, it runs again.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from ..models import IdempotencyKey
from .errors import Conflict
from .renderers import to_json

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
EXPIRES_AFTER = timedelta(hours=24)
MAX_LENGTH = 255


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was sent with another request: use a new key."


def idempotent(handler: Callable) -> Callable:
    """Decorates a view's post (or put, patch) method with the Idempotency-Key contract."""

    @functools.wraps(handler)
    def with_key(view, request: Request, *args, **kwargs):
        key = read_key(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        caller = caller_of(request)
        fingerprint = fingerprint_of(request)
        with transaction.atomic():
            if not lock(caller, key):
                raise Conflict(
                    "A request with this Idempotency-Key is in progress: retry when it ends.",
                    "idempotency_key_in_use",
                )
            stored = IdempotencyKey.objects.filter(caller=caller, key=key).first()
            if stored is not None and stored.created > timezone.now() - EXPIRES_AFTER:
                if stored.fingerprint != fingerprint:
                    raise KeyReused()
                return replay(stored)
            response = handler(view, request, *args, **kwargs)
            if status.is_success(response.status_code):
                if stored is not None:
                    stored.delete()  # expired, and not yet purged
                # The lock makes this request the key's only writer: a plain INSERT, where
                # update_or_create() would add a SELECT ... FOR UPDATE and two savepoints.
                IdempotencyKey.objects.create(
                    caller=caller,
                    key=key,
                    fingerprint=fingerprint,
                    status=response.status_code,
                    body=to_json(response.data),
                )
            return response

    # Read by the schema (core/api/openapi.py), which documents the header and its answers.
    with_key.idempotency_key = True  # type: ignore[attr-defined]
    return with_key


def read_key(request: Request) -> str | None:
    """The key, bare or as a Structured Field string ("..."), as the draft writes it."""
    value = request.headers.get(HEADER)
    if value is None:
        return None
    key = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if not (0 < len(key) <= MAX_LENGTH and key.isascii() and key.isprintable()):
        raise exceptions.ValidationError(
            {HEADER: [f"1 to {MAX_LENGTH} printable ASCII characters."]}
        )
    return key


def caller_of(request: Request) -> str:
    if request.user is not None and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"address:{BaseThrottle().get_ident(request)}"


def fingerprint_of(request: Request) -> str:
    """The request as a retry must repeat it: method, path and body, whatever the JSON's
    whitespace and key order."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path} {body}".encode()).hexdigest()


def lock(caller: str, key: str) -> bool:
    """Take the key for this transaction, unless a request running now holds it. A
    transaction-level advisory lock: released at the commit or rollback, through PgBouncer's
    transaction pooling too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id(caller, key)])
        (taken,) = cursor.fetchone()
    return taken


def lock_id(caller: str, key: str) -> int:
    digest = hashlib.sha256(f"{caller}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], signed=True)


def replay(stored: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        bytes(stored.body), content_type="application/json", status=stored.status
    )
    response[REPLAYED] = "true"
    return response


def purge_expired() -> int:
    """Delete the keys past EXPIRES_AFTER; how many there were."""
    expired = IdempotencyKey.objects.filter(created__lte=timezone.now() - EXPIRES_AFTER)
    deleted, _ = expired.delete()
    return deleted
