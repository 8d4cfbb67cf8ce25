"""Signed-in requests read their session and user through prepared statements
(apps.accounts.sessions, apps.accounts.backends): what a person sees of signing in must not
change, and sessions from before the change stay signed in."""

import datetime as dt

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.backends import MODEL_BACKEND, ModelBackend
from apps.accounts.models import User
from apps.accounts.sessions import SessionStore
from tests.factories import DEFAULT_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def _home(membership) -> str:
    return f"/{membership.organization.slug}/"


def _client_with_session(data: dict) -> Client:
    session = SessionStore()
    session.update(data)
    session.create()
    client = Client()
    client.cookies["sessionid"] = session.session_key
    return client


def _signed_in_as(user, backend: str) -> dict:
    return {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: backend,
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }


def test_signing_in_with_the_form_keeps_the_person_signed_in(org):
    me = MembershipFactory(user__full_name="Sam Signin")
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": me.user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    page = client.get(_home(me))
    assert page.status_code == 200
    assert "Sam Signin" in page.content.decode()
    stored = SessionStore(client.cookies["sessionid"].value).load()
    assert stored[BACKEND_SESSION_KEY] == MODEL_BACKEND


def test_a_session_signed_in_before_the_backend_moved_stays_signed_in(org):
    me = MembershipFactory(user__full_name="Olive Oldsession")
    client = _client_with_session(
        _signed_in_as(me.user, "django.contrib.auth.backends.ModelBackend")
    )
    page = client.get(_home(me))
    assert page.status_code == 200
    assert "Olive Oldsession" in page.content.decode()


def test_an_expired_session_is_signed_out(org):
    me = MembershipFactory()
    client = _client_with_session(_signed_in_as(me.user, MODEL_BACKEND))
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(_home(me))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_expired_key_is_never_brought_back_to_life(org):
    """Whoever knows an expired key (or made one up) must not get it saved as a live session."""
    old = SessionStore()
    old["note"] = "old"
    old.create()
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    reused = SessionStore(old.session_key)
    assert reused.load() == {}
    reused["note"] = "new"
    reused.save()
    assert reused.session_key != old.session_key


@pytest.mark.parametrize(
    "header",
    [
        "sessionid=not-a-session",
        "sessionid=" + "x" * 40,
        "sessionid=",
        "sessionid=a\x00b",
        'sessionid="aaaaaaaaaa\\000"',  # a quoted value: its escape is a NUL once parsed
        "sessionid=" + "b" * 4096,
    ],
)
def test_an_unknown_or_malformed_session_cookie_is_a_stranger_not_an_error(org, header):
    me = MembershipFactory()
    response = Client().get(_home(me), HTTP_COOKIE=header)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_inactive_person_or_a_changed_password_signs_the_session_out(org):
    me, other = MembershipFactory(), MembershipFactory()
    deactivated = _client_with_session(_signed_in_as(me.user, MODEL_BACKEND))
    User.objects.filter(pk=me.user.pk).update(is_active=False)
    assert deactivated.get(_home(me)).status_code == 302

    stale = _client_with_session(_signed_in_as(other.user, MODEL_BACKEND))
    other.user.set_password("another long passphrase")
    other.user.save()
    assert stale.get(_home(other)).status_code == 302


def test_a_signed_in_member_of_another_organisation_gets_404(org, outsider):
    client = _client_with_session(_signed_in_as(outsider.user, MODEL_BACKEND))
    assert client.get(_home(MembershipFactory())).status_code == 404
    assert client.get(f"/{outsider.organization.slug}/").status_code == 200


def test_the_user_is_the_orm_row(org):
    me = MembershipFactory(user__full_name="Rowena Row")
    read = ModelBackend().get_user(me.user.pk)
    orm = User.objects.get(pk=me.user.pk)
    assert {f.attname: getattr(read, f.attname) for f in User._meta.fields} == {
        f.attname: getattr(orm, f.attname) for f in User._meta.fields
    }
    assert read._state.adding is False  # a saved row: save() updates it
    assert ModelBackend().get_user(orm.pk + 10_000) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_postgresql_reads_session_user_and_organisation_through_prepared_statements(org):
    me = MembershipFactory()
    client = Client()
    client.force_login(me.user)
    client.get(_home(me))  # prepared on this connection
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_home(me)).status_code == 200
    reads = [q["sql"] for q in queries.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    for table in ("django_session", "accounts_user", "tenancy_organization"):
        (read,) = [sql for sql in reads if f'FROM "{table}"' in sql]
        assert "PARAMS = " in read  # the values sent apart, to a prepared statement
        # prepared once on this connection, and not again for the second page
        assert len([s for s in prepared if f'FROM "{table}"' in s]) == 1
