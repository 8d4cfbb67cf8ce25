"""Django's database sessions, read through a prepared statement.

The session is the first read of every signed-in request. Through the ORM, building its query
cost more Python than PostgreSQL took to answer (docs/benchmarks.md); everything else (the
table, saving, expiry, clearsessions) is Django's. SESSION_ENGINE names this module.
"""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import db
from django.utils import timezone

from apps.accounts.backends import FORMER_BACKENDS
from apps.core.prepared import prepared_instance


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        session = None
        if self.session_key is not None:  # None when the cookie's key was malformed
            session = prepared_instance(
                self.model,
                "session_key = %s AND expire_date > %s",
                [self.session_key, timezone.now()],
            )
        if session is None:
            self._session_key = None  # as Django's: the next save makes a new key
        return session

    def load(self) -> dict:
        data = super().load()
        backend = data.get(BACKEND_SESSION_KEY)
        if backend in FORMER_BACKENDS:
            data[BACKEND_SESSION_KEY] = FORMER_BACKENDS[backend]
        return data
