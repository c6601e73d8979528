"""DRF's session authentication, refusing a failed CSRF check without echoing the request."""

import logging

from rest_framework import authentication, exceptions
from rest_framework.request import Request

logger = logging.getLogger(__name__)


class SessionAuthentication(authentication.SessionAuthentication):
    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as refused:
            # The reason can quote the request's Origin or Referer, which an attacker chose:
            # logged for the operator, never sent back.
            logger.warning("%s", refused.detail)
            raise exceptions.PermissionDenied("CSRF check failed.", code="csrf_failed") from None
