from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken

from .views import MeView

urlpatterns = [
    # POST a username and password; send the token back as "Authorization: Token <key>".
    path("auth/token/", ObtainAuthToken.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
]
