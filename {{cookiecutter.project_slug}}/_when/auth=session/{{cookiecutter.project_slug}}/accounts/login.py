"""Session login for browser clients: the session lives in Redis, the cookie carries its key.

Every state-changing request sends the CSRF token (from GET auth/csrf/) in X-CSRFToken.
"""

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from .authentication import SessionAuthentication
from .throttling import LoginRateThrottle
from .views import MeSerializer


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, write_only=True)


class CsrfTokenSerializer(serializers.Serializer):
    csrf_token = serializers.CharField(read_only=True)


class CsrfTokenView(GenericAPIView):
    """Sets the CSRF cookie and returns the token for the X-CSRFToken header."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = CsrfTokenSerializer

    def get(self, request: Request) -> Response:
        return Response({"csrf_token": get_token(request)})


class LoginView(GenericAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    # Each attempt hashes a password: a rate of its own, per address and per username.
    throttle_classes = [LoginRateThrottle]
    serializer_class = CredentialsSerializer

    def post(self, request: Request) -> Response:
        # DRF only checks CSRF for requests that a session already authenticates; a login form
        # posted from another site must be refused as well.
        SessionAuthentication().enforce_csrf(request)
        credentials = self.get_serializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(request, **credentials.validated_data)
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with the provided credentials."]}
            )
        login(request, user)
        return Response(MeSerializer(user).data)


class LogoutSerializer(serializers.Serializer):
    """No fields: the session cookie says who logs out."""


class LogoutView(GenericAPIView):
    serializer_class = LogoutSerializer

    def post(self, request: Request) -> Response:
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)
