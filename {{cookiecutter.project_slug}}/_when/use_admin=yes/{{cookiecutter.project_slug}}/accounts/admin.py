import math

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request

from ..core.api.errors import error_response
from .models import User
from .throttling import LoginRateThrottle

# Django's own user admin (password hashing, permissions), for the project's user model.
admin.site.register(User, UserAdmin)


def login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin's login page, with the API login's rate limits: each attempt hashes a
    password, about half a second of CPU (config/urls.py routes /admin/login/ here)."""
    if request.method == "POST":
        throttle = LoginRateThrottle()
        # The username from Django's form parsing, which no content type makes fail.
        address = throttle.get_ident(Request(request))
        if not throttle.allow(address, request.POST.get("username")):
            response = error_response(429, "throttled", "Too many login attempts; retry later.")
            response["Retry-After"] = str(math.ceil(throttle.wait() or 1))
            return response
    return admin.site.login(request, extra_context)
