"""Signing in: Django's ModelBackend, with the read every signed-in request makes prepared."""

from django.contrib.auth import backends

from apps.accounts.models import User
from apps.core.prepared import bigints, prepared_instance

# The backend's path, as sessions store it (AUTHENTICATION_BACKENDS, login()).
MODEL_BACKEND = "apps.accounts.backends.ModelBackend"
# Sessions signed in before the backend above existed (2026-12-03) name Django's own; they
# stay signed in (apps.accounts.sessions reads them as this one). Sessions last
# SESSION_COOKIE_AGE (14 days): from 2026-12-17 no such session is left, and this can go.
FORMER_BACKENDS = {"django.contrib.auth.backends.ModelBackend": MODEL_BACKEND}


class ModelBackend(backends.ModelBackend):
    """E-mail and password, permissions, inactive users refused: all Django's. Only the user of
    a request's session is read through a prepared statement (apps.core.prepared) rather than
    the ORM's get(), which cost twice the query's own time in Python."""

    def get_user(self, user_id):
        user = prepared_instance(User, "id = %s", bigints(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None
