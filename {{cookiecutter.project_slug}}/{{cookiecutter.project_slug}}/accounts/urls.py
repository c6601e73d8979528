from django.urls import path

from . import login
from .views import MeView

urlpatterns = [
{%- if cookiecutter.auth == "token" %}
    # POST a username and password; send the token back as "Authorization: Token <key>".
    path("auth/token/", login.LoginView.as_view(), name="auth-token"),
{%- elif cookiecutter.auth == "jwt" %}
    # POST a username and password; send the access token as "Authorization: Bearer <token>".
    path("auth/token/", login.LoginView.as_view(), name="auth-token"),
    path("auth/token/refresh/", login.RefreshView.as_view(), name="auth-token-refresh"),
{%- else %}
    # GET the CSRF token, then POST a username and password: the session cookie follows.
    path("auth/csrf/", login.CsrfTokenView.as_view(), name="auth-csrf"),
    path("auth/login/", login.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", login.LogoutView.as_view(), name="auth-logout"),
{%- endif %}
    path("me/", MeView.as_view(), name="me"),
]
