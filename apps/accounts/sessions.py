"""Django's database sessions, read through a prepared statement.

The session is the first read of every signed-in request. Through the ORM, building its query
cost more Python than PostgreSQL took to answer (docs/benchmarks.md); everything else (the
table, saving, expiry, clearsessions, the async methods) is Django's. SESSION_ENGINE names
this module. The read goes to the default database, as every session read does here (the
router sends only the counters elsewhere).
"""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import db
from django.utils import timezone

from apps.accounts.backends import FORMER_BACKENDS
from apps.core.prepared import prepared_instance


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key) -> bool:
        # A cookie can carry a NUL (an escaped "\000"), which PostgreSQL's text refuses with
        # an error: such a key is no session, as a short one is not.
        return super()._validate_session_key(key) and "\x00" not in key

    def _get_session_from_db(self):
        session = None
        if self.session_key is not None:  # None when the cookie's key was malformed
            session = prepared_instance(
                self.model,
                "session_key = %s AND expire_date > %s",
                [self.session_key, timezone.now()],
            )
        if session is None:
            # As Django's: the next save makes a new key, so an expired or unknown key that
            # someone else knows is never brought back to life.
            self._session_key = None
        return session

    def decode(self, session_data: str) -> dict:
        data = super().decode(session_data)
        backend = data.get(BACKEND_SESSION_KEY)
        if backend in FORMER_BACKENDS:
            data[BACKEND_SESSION_KEY] = FORMER_BACKENDS[backend]
        return data
