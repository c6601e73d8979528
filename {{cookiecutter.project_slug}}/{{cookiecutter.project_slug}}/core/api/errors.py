"""One JSON error shape for every status, whatever failed and wherever it failed:

    {"error": {"status": 400, "code": "invalid", "detail": "...", "fields": {...}}}

`code` is for programs (DRF's codes: invalid, parse_error, not_authenticated, throttled...),
`detail` for people. `fields` comes with validation errors only: the messages per field, or
per row index for a batch ({"products": {"7": {"price": [...]}}}).

DRF's exceptions reach exception_handler (REST_FRAMEWORK["EXCEPTION_HANDLER"]); what fails
outside a DRF view (no URL matched, a bad Host header, a body over the limit, a crash) reaches
Django's handler400/403/404/500 (config/urls.py). Neither ever answers HTML.
"""

import logging
import sys

import psycopg
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger(__name__)

# What a database that cannot serve raises, through Django's ORM or psycopg directly.
UNAVAILABLE_DATABASE_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)

# A restarted PgBouncer or PostgreSQL answers again within seconds: a client that waits this
# long before retrying finds it back, without hammering it while it starts.
RETRY_AFTER_SECONDS = 5


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"The request body is over the limit of {limit} bytes.")


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"
    default_detail = "The database is unavailable; retry later."
    wait = RETRY_AFTER_SECONDS


class Conflict(exceptions.APIException):
    """409, with details of its own beside detail (the product that ran out, say)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail: str, code: str = "conflict", **extra):
        super().__init__(detail, code)
        self.extra = extra


def error_body(status_code: int, code: str, detail: str, **extra) -> dict:
    return {"error": {"status": status_code, "code": code, "detail": detail, **extra}}


def error_response(status_code: int, code: str, detail: str, **extra) -> JsonResponse:
    response = JsonResponse(error_body(status_code, code, detail, **extra), status=status_code)
    if status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def is_database_unavailable(exc: BaseException | None) -> bool:
    """exc, or an exception it was raised from: a library that uses the database (the task
    queue's connector, say) wraps the database's error in one of its own."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, UNAVAILABLE_DATABASE_ERRORS):
            return True
        seen.add(id(exc))
        # The chain a traceback shows: "from" an error, or else raised while handling one.
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return False


def _as_api_exception(exc: Exception) -> Exception:
    """Django's and the database's exceptions that a client's request can cause, as DRF's."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if is_database_unavailable(exc):
        logger.error("Database unavailable: %r", exc)
        return DatabaseUnavailable()
    if isinstance(exc, DataError):
        # PostgreSQL refused a value the validation let through (a NUL byte in a filter, a
        # number past a column's range): the request's fault, so a 400, never a 500.
        logger.warning("The database refused a value: %s", exc)
        return exceptions.ValidationError("A value is not one the database can store or search.")
    return exc


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, reshaped: the same headers (Retry-After, WWW-Authenticate), one body."""
    exc = _as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        return None  # a crash: Django's handler500 answers
    # Imported here: rest_framework.views loads the parser classes, and core/api/parsers.py
    # imports this module, so a module-level import would be circular whichever loads first.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data if isinstance(response.data, dict) else None
        detail = "Invalid input." if fields else " ".join(map(str, response.data))
        extra = {"fields": fields} if fields else {}
        code = "invalid"
    else:
        raw, codes = exc.detail, exc.get_codes()
        if isinstance(raw, dict):
            # simplejwt's errors: {"detail", "code", "messages"}. Its sentence, not a repr.
            codes = str(raw.get("code", exc.default_code))
            raw = raw.get("detail", raw)
        detail = str(raw)
        code = codes if isinstance(codes, str) else exc.default_code
        extra = getattr(exc, "extra", {})
    if isinstance(exc, DatabaseUnavailable):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.data = error_body(response.status_code, code, detail, **extra)
    return response


# Django's handlers, for what happens outside DRF's views. The detail never echoes the request:
# a bad Host header is not repeated back to whoever sent it.


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return error_response(413, PayloadTooLarge.default_code, str(PayloadTooLarge().detail))
    return error_response(400, "bad_request", "Bad request.")


def permission_denied(request, exception=None):
    return error_response(403, "permission_denied", "You may not do this.")


def page_not_found(request, exception=None):
    return error_response(404, "not_found", "Not found.")


def server_error(request):
    # Django calls this while it handles the exception, which is still the current one.
    if is_database_unavailable(sys.exception()):
        unavailable = DatabaseUnavailable()
        return error_response(503, unavailable.default_code, str(unavailable.detail))
    return error_response(500, "server_error", "Server error.")


def csrf_failure(request, reason=""):
    # The reason can quote the request's Origin or Referer: logged, never echoed to the client.
    logger.warning("CSRF check failed: %s", reason)
    return error_response(403, "csrf_failed", "CSRF check failed.")
