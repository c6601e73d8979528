from django.core.exceptions import ObjectDoesNotExist
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from .throttling import LoginRateThrottle


class UsernameTokenObtainPairSerializer(TokenObtainPairSerializer):
    """Puts the username in the token, so that answering "who am I" needs no user query."""

    @classmethod
    def get_token(cls, user) -> Token:
        token = super().get_token(user)
        token["username"] = user.get_username()
        return token


class LoginView(TokenObtainPairView):
    """simplejwt's login: a pair of tokens for a username and password. Each attempt hashes
    the password, so it has a rate limit of its own (TokenObtainPairView sets none)."""

    serializer_class = UsernameTokenObtainPairSerializer
    throttle_classes = [LoginRateThrottle]


class RefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except ObjectDoesNotExist:
            # The user was deleted since the token was issued; simplejwt lets User.DoesNotExist
            # through as a 500 (djangorestframework-simplejwt issue 860).
            raise AuthenticationFailed("User not found", code="user_not_found") from None


class RefreshView(TokenRefreshView):
    """simplejwt's refresh: a new access token for a refresh token, while its user exists and
    is active."""

    serializer_class = RefreshSerializer
