"""Django's database sessions (SESSION_ENGINE), the session read through a query compiled once
(claims.prepared): every signed-in request reads its session, and building and compiling that
query through the ORM cost about as much CPU as the rest of reading it."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import CharField, DateTimeField
from django.utils import timezone

from claims.prepared import Param, Prepared

# As db.SessionStore._get_session_from_db asks it (get(): at most one row, the key is unique).
_LIVE = Prepared(lambda: Session.objects.filter(session_key=Param("key", CharField()),
                                                expire_date__gt=Param("now", DateTimeField())))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        session = _LIVE.first(key=self.session_key, now=timezone.now())
        if session is None:
            self._session_key = None  # as Django's: an unknown or expired key is dropped
        return session
