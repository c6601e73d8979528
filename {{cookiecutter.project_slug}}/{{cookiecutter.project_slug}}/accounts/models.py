from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The project's user, AUTH_USER_MODEL from the first migration.

    Nothing is added yet. It exists so that a field added later (a display name, a tenant) is
    one ordinary migration: swapping the user model after tables point at auth.User means
    rewriting migrations by hand. Refer to it as settings.AUTH_USER_MODEL in foreign keys and
    with get_user_model() in code.
    """
