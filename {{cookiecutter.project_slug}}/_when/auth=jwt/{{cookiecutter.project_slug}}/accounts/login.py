from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.views import TokenObtainPairView

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
