from rest_framework_simplejwt.serializers import TokenObtainPairSerializer


class UsernameTokenObtainPairSerializer(TokenObtainPairSerializer):
    """Puts the username in the token, so that answering "who am I" needs no user query."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["username"] = user.get_username()
        return token
