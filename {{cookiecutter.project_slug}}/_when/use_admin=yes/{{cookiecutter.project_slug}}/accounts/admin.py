from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User

# Django's own user admin (password hashing, permissions), for the project's user model.
admin.site.register(User, UserAdmin)
