from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from .throttling import LoginRateThrottle
from .tokens import UsernameTokenObtainPairSerializer
from .views import MeView

# The username travels in the token, so that /me/ answers without a query. Obtaining a pair
# checks a password: its own rate limit (TokenObtainPairView sets none).
obtain_pair = TokenObtainPairView.as_view(
    serializer_class=UsernameTokenObtainPairSerializer, throttle_classes=[LoginRateThrottle]
)

urlpatterns = [
    # POST a username and password; send the access token as "Authorization: Bearer <token>".
    path("auth/token/", obtain_pair, name="auth-token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("me/", MeView.as_view(), name="me"),
]
