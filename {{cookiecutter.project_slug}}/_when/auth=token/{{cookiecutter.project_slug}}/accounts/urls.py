from django.urls import path

from .login import LoginView
from .views import MeView

urlpatterns = [
    # POST a username and password; send the token back as "Authorization: Token <key>".
    path("auth/token/", LoginView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
]
