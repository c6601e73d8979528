"""The schema's AutoSchema: every operation lists the errors it can answer, in their one shape.

drf-spectacular documents the success status of each operation; the errors come from the
project's exception handler (core/api/errors.py), the same for every view, so they are added here
from what each operation has (a body, parameters, authentication, permissions, throttles)
rather than repeated in every view.
"""

from typing import cast

from drf_spectacular import authentication, openapi
from drf_spectacular.contrib import rest_framework_simplejwt
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import (
    SAFE_METHODS,
    AllowAny,
    IsAdminUser,
    IsAuthenticatedOrReadOnly,
)
from rest_framework.settings import api_settings

ERROR = {
    "type": "object",
    "description": "Every error, whatever its status (core/api/errors.py).",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status, repeated."},
                "code": {"type": "string", "description": "For programs: invalid, throttled..."},
                "detail": {"type": "string", "description": "For people."},
                "fields": {
                    "type": "object",
                    "description": "Validation errors only: the messages per field, or per "
                    "row index for a batch.",
                },
            },
            "required": ["status", "code", "detail"],
        }
    },
    "required": ["error"],
}


# What DRF's CharField accepts, as a pattern: never a NUL character, and unless the field
# allows blanks, a character that str.strip() keeps (explicit, so that the pattern means the
# same to every regex dialect: \x1c-\x1f are whitespace to Python but not to ECMAScript).
NO_NUL = "^[^\\x00]*$"
NOT_BLANK = "^[^\\x00]*[^\\s\\x00\\x1c-\\x1f][^\\x00]*$"


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description=(
        "Any unique string (a UUID): a retry with the same key and body gets the first "
        "answer again, marked Idempotent-Replayed, and writes nothing. Keys last 24 hours."
    ),
    pattern="^[ -~]{1,255}$",
)


class SessionScheme(authentication.SessionScheme):
    """DRF's session authentication and the project's refinement of it
    (accounts/authentication.py), documented alike."""

    match_subclasses = True


class StatelessJWTScheme(rest_framework_simplejwt.SimpleJWTStatelessUserScheme):
    """The same for simplejwt's stateless authentication, with the JWT option."""

    match_subclasses = True
    optional = True


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, stating what the API enforces: error statuses, non-empty lists,
    strings that are not blank, and a PATCH body that is whole unless the view is DRF's
    partial update."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR
        )
        self.registry.register_on_missing(error)
        responses = operation["responses"]
        for status, description in self.error_statuses(operation).items():
            described = responses.setdefault(str(status), {"description": description})
            described["content"] = {"application/json": {"schema": error.ref}}
        return operation

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.takes_idempotency_key():
            parameters = [*parameters, IDEMPOTENCY_KEY]
        return parameters

    def takes_idempotency_key(self) -> bool:
        # Set by core/api/idempotency.py's decorator on the view's method.
        handler = getattr(self.view, self.method.lower(), None)
        return getattr(handler, "idempotency_key", False)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or field.read_only or schema.get("type") is None:
            return schema
        if isinstance(field, serializers.ListField | serializers.ListSerializer):
            if not field.allow_empty:
                schema["minItems"] = 1
            if (max_length := getattr(field, "max_length", None)) is not None:
                schema["maxItems"] = max_length
        elif isinstance(field, serializers.CharField) and not any(
            hasattr(validator, "regex") for validator in field.validators
        ):
            blank_allowed = field.allow_blank or not field.trim_whitespace
            schema["pattern"] = NO_NUL if blank_allowed else NOT_BLANK
            if not field.allow_blank:
                schema.setdefault("minLength", 1)
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        if self.method != "PATCH" or hasattr(self.view, "partial_update"):
            return super()._get_request_for_media_type(serializer, direction)
        # drf-spectacular makes every PATCH body partial, as DRF's partial_update does; a
        # view of its own validates the whole body.
        self.method = "PUT"
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = "PATCH"

    def error_statuses(self, operation: dict) -> dict[int, str]:
        view, request = self.view, self.view.request
        where = {parameter["in"] for parameter in operation.get("parameters", [])}
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        body = "requestBody" in operation
        unsafe = self.method not in SAFE_METHODS
        statuses = {}
        if body or "query" in where:
            statuses[400] = "Invalid input: error.fields says what, per field."
        challenge = view.get_authenticate_header(request)
        authenticators = view.get_authenticators()
        may_deny = any(
            not isinstance(permission, AllowAny)
            and not (isinstance(permission, IsAuthenticatedOrReadOnly) and not unsafe)
            for permission in view.get_permissions()
        )
        refusals: list[str] = []
        if challenge:
            statuses[401] = "Not authenticated, or the credentials are invalid."
        elif authenticators and may_deny:
            refusals.append("not authenticated")
        if any(isinstance(permission, IsAdminUser) for permission in view.get_permissions()):
            refusals.append("not staff")
        # Session cookies need the CSRF token on every write, logged in or not.
        # DRF's settings hold the classes themselves, imported from the dotted paths.
        classes = cast(list[type], api_settings.DEFAULT_AUTHENTICATION_CLASSES)
        session = any(issubclass(cls, SessionAuthentication) for cls in classes)
        if session and unsafe:
            refusals.append("the CSRF token is missing or wrong")
        if refusals:
            statuses[403] = f"Refused: {', or '.join(refusals)}."
        if "path" in where or "cursor" in names:
            statuses[404] = "No such object, or the cursor is not one this API gave."
        if body:
            statuses[413] = "The body is over the limit the detail names."
            statuses[415] = "The body is not JSON."
        if self.takes_idempotency_key():
            statuses[409] = "A request with this Idempotency-Key is still running."
            statuses[422] = "This Idempotency-Key was sent with another request."
        if view.get_throttles():
            statuses[429] = "Too many requests: Retry-After says when to retry."
        statuses[503] = "The database is unavailable: Retry-After says when to retry."
        return statuses
