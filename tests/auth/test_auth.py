"""Users, passwords, sign-in throttling, API tokens and web sessions."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import ApiToken, Role, User, WebSession
from ftzlink.db import utcnow
from ftzlink.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, RateLimited
from ftzlink.organisations.service import actor
from tests.world import SYSTEM, World

PASSWORD = "correct horse battery"
WINDOW = 900


def sign_in(
    world: World,
    username: str,
    password: str,
    *,
    client: str = "203.0.113.7",
    limit: int = 3,
    now: dt.datetime | None = None,
) -> Principal:
    """As a sign-in request does: the attempt is kept whether or not the password was right."""
    with world.database.write() as s:
        try:
            user = auth.authenticate(
                s,
                username=username,
                password=password,
                client=client,
                limit=limit,
                window_seconds=WINDOW,
                now=now,
            )
        except NotAuthenticated as wrong:
            failed = wrong
        else:
            return auth.principal_for(user)
    raise failed


def stored_user(world: World, username: str) -> User:
    with world.database.read() as s:
        return s.scalars(select(User).where(User.username == username)).one()


def test_a_password_is_kept_only_as_an_argon2_hash(world: World) -> None:
    world.user("wang", Grant(Role.ENTERPRISE_MEMBER, world.a.id), password=PASSWORD)
    stored = stored_user(world, "wang").password_hash
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    signed_in = sign_in(world, "wang", PASSWORD)
    assert signed_in.username == "wang"
    assert signed_in.member_of() == {world.a.id}


def test_a_wrong_password_and_an_unknown_user_are_refused_alike(world: World) -> None:
    world.user("wang", password=PASSWORD)
    with pytest.raises(NotAuthenticated) as wrong_password:
        sign_in(world, "wang", PASSWORD + "!")
    with pytest.raises(NotAuthenticated) as unknown_user:
        sign_in(world, "nobody", PASSWORD)
    assert wrong_password.value.code == "not_authenticated"
    assert str(wrong_password.value) == str(unknown_user.value)


def test_a_user_without_a_password_cannot_sign_in_with_one(world: World) -> None:
    with pytest.raises(NotAuthenticated):
        sign_in(world, "member-a", "anything at all")


def test_a_user_with_a_short_password_a_role_out_of_scope_or_a_name_taken_is_refused(
    world: World,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.user("wang", password="short")
    assert [p.field for p in refused.value.problems] == ["password"]
    for grant in [
        Grant(Role.REVIEWER),
        Grant(Role.ENTERPRISE_MEMBER),
        Grant(Role.AUDITOR, district="changning"),
        Grant(Role.ENTERPRISE_ADMIN, organisation_id=world.a.id, district="changning"),
        Grant(Role.ENTERPRISE_ADMIN, organisation_id=999),
    ]:
        with pytest.raises(InvalidInput) as refused:
            world.user("wang", grant)
        assert {p.field for p in refused.value.problems} == {"roles"}, grant
    with pytest.raises(Conflict):
        world.user("member-a")


def test_wrong_passwords_make_that_address_wait_longer_each_time_but_never_lock_the_user(
    world: World,
) -> None:
    world.user("wang", password=PASSWORD)
    now = utcnow()
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            sign_in(world, "wang", "not the password", now=now)
    with pytest.raises(RateLimited) as limited:
        sign_in(world, "wang", PASSWORD, now=now)  # even the right password waits its turn
    assert (limited.value.code, limited.value.retry_after) == ("rate_limited", 2)
    # The same user from another address is not held back at all.
    assert sign_in(world, "wang", PASSWORD, client="198.51.100.1", now=now).username == "wang"
    # Each further wrong password from the first address doubles the wait...
    waits = []
    for _ in range(4):
        now += dt.timedelta(seconds=limited.value.retry_after)
        with pytest.raises(NotAuthenticated):
            sign_in(world, "wang", "still not it", now=now)
        with pytest.raises(RateLimited) as limited:
            sign_in(world, "wang", PASSWORD, now=now)
        waits.append(limited.value.retry_after)
    assert waits == [4, 8, 16, 32]
    # ...and once it has passed, the right password lets the user in from there too.
    now += dt.timedelta(seconds=32)
    assert sign_in(world, "wang", PASSWORD, now=now).username == "wang"
    # Signing in forgives the failures of that address.
    with pytest.raises(NotAuthenticated):
        sign_in(world, "wang", "a slip of the finger", now=now)


def test_wrong_passwords_are_forgotten_after_the_window(world: World) -> None:
    world.user("wang", password=PASSWORD)
    for _ in range(6):
        with pytest.raises((NotAuthenticated, RateLimited)):
            sign_in(world, "wang", "not the password")
    later = utcnow() + dt.timedelta(seconds=WINDOW + 1)
    assert sign_in(world, "wang", PASSWORD, now=later).username == "wang"


def test_successful_sign_ins_do_not_count_towards_the_limit(world: World) -> None:
    world.user("wang", password=PASSWORD)
    for _ in range(2):  # with a limit of one, a second would be refused if the first counted
        sign_in(world, "wang", PASSWORD, limit=1)


def test_twenty_failures_from_an_office_address_do_not_keep_out_a_colleague_behind_it(
    world: World,
) -> None:
    world.user("wang", password=PASSWORD)
    office = "203.0.113.50"  # one NAT address for the whole office
    for n in range(20):
        with pytest.raises((NotAuthenticated, RateLimited)):
            sign_in(world, ("li", "zhang", "liu", "chen", "wang")[n % 5], "guess", client=office)
    # wang's own address-pair has failures, so wang waits there; everyone else is let in, and
    # wang is let in at once from anywhere else.
    world.user("zhao", password=PASSWORD)
    assert sign_in(world, "zhao", PASSWORD, client=office).username == "zhao"
    assert sign_in(world, "wang", PASSWORD, client="198.51.100.1").username == "wang"


@given(
    failures=st.integers(min_value=0, max_value=10_000),
    limit=st.integers(min_value=1, max_value=20),
    cap=st.integers(min_value=1, max_value=86_400),
)
def test_the_delay_grows_with_each_failure_and_never_passes_the_cap(
    failures: int, limit: int, cap: int
) -> None:
    delay = auth.sign_in_delay(failures, limit=limit, cap_seconds=cap)
    following = auth.sign_in_delay(failures + 1, limit=limit, cap_seconds=cap)
    assert 0 <= delay <= following <= cap
    assert (delay == 0) == (failures < limit)
    if failures >= limit and following < cap:
        assert following == 2 * delay


def test_an_api_token_is_stored_hashed_and_resolves_to_its_user(world: World) -> None:
    token, secret = world.write(
        auth.create_token, actor=actor(world.reviewer), user_id=world.reviewer.user_id, name="ci"
    )
    with world.database.read() as s:
        stored = s.get(ApiToken, token.id)
        assert stored is not None
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in stored.token_hash
    assert world.read(auth.resolve_token, secret=secret) == world.reviewer
    (created,) = world.audit_entries("api_token")
    assert secret not in created.detail


def test_a_revoked_or_unknown_token_is_refused(world: World) -> None:
    token, secret = world.write(
        auth.create_token, actor=SYSTEM, user_id=world.member_a.user_id, name="erp"
    )
    with pytest.raises(NotFound):  # someone else's token
        world.write(
            auth.revoke_token, actor=SYSTEM, user_id=world.member_b.user_id, token_id=token.id
        )
    world.write(auth.revoke_token, actor=SYSTEM, user_id=world.member_a.user_id, token_id=token.id)
    with pytest.raises(NotAuthenticated):
        world.read(auth.resolve_token, secret=secret)
    with pytest.raises(NotAuthenticated):
        world.read(auth.resolve_token, secret="ftz_" + "x" * 43)


def open_session(world: World, username: str = "member-a") -> auth.NewSession:
    user = stored_user(world, username)
    return world.write(auth.open_session, user=user, hours=8)


def expire_sessions(world: World) -> None:
    """Let the clock pass every session's end."""
    with world.database.write() as s:
        s.execute(update(WebSession).values(expires_at=utcnow() - dt.timedelta(minutes=1)))


def test_a_session_is_stored_hashed_and_resolves_with_its_csrf_token_until_ended(
    world: World,
) -> None:
    opened = open_session(world)
    principal, csrf = world.read(auth.resolve_session, secret=opened.secret)
    assert principal == world.member_a
    assert csrf == opened.csrf_token
    with world.database.read() as s:
        (stored,) = s.scalars(select(WebSession.token_hash))
    assert stored == hashlib.sha256(opened.secret.encode()).hexdigest()

    world.write(auth.end_session, secret=opened.secret)
    with pytest.raises(NotAuthenticated):
        world.read(auth.resolve_session, secret=opened.secret)


def test_a_session_past_its_time_is_refused(world: World) -> None:
    opened = open_session(world)
    expire_sessions(world)
    with pytest.raises(NotAuthenticated) as refused:
        world.read(auth.resolve_session, secret=opened.secret)
    assert "expired" in str(refused.value)


def test_opening_a_session_clears_those_that_have_expired(world: World) -> None:
    open_session(world)
    expire_sessions(world)
    fresh = open_session(world, "member-b")
    with world.database.read() as s:
        assert list(s.scalars(select(WebSession.token_hash))) == [
            hashlib.sha256(fresh.secret.encode()).hexdigest()
        ]
