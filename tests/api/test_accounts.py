"""Accounts as an administrator and an attacker see them: disabling users and revoking their
tokens, who sees which budgets, sign-in throttling that locks nobody out, forwarded addresses,
caching of personal answers, the session cookie, and search text taken literally."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ftzlink.api import create_app
from ftzlink.audit.tables import AuditEntry
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant
from ftzlink.auth.tables import Role
from ftzlink.settings import Settings
from tests.api.conftest import FOCUS, SYSTEM, Api

PASSWORD = "correct horse battery"


def user_id(api: Api, key: str) -> int:
    return api.principal(key).user_id


def audited(api: Api, action: str, object_id: int) -> list[AuditEntry]:
    with api.database.read() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.object_id == str(object_id)
                )
            )
        )


# --- administration ---------------------------------------------------------------------------


def test_a_disabled_user_cannot_use_their_tokens_until_enabled_again(api: Api) -> None:
    admin, member = api.client("platform_admin"), api.client("member_a")
    assert member.get("/api/v1/me").status_code == 200
    target = user_id(api, "member_a")

    disabled = admin.post(f"/api/v1/users/{target}/disable")
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert member.get("/api/v1/me").status_code == 401
    listed = admin.get("/api/v1/users", params={"active": "false"}).json()
    assert [u["username"] for u in listed] == ["member-a"]
    assert len(audited(api, "user.disable", target)) == 1

    assert admin.post(f"/api/v1/users/{target}/enable").json()["active"] is True
    assert member.get("/api/v1/me").status_code == 200
    assert len(audited(api, "user.enable", target)) == 1


def test_revoking_a_users_tokens_stops_every_one_of_them(api: Api) -> None:
    target = user_id(api, "member_a")
    revoked = api.client("platform_admin").post(f"/api/v1/users/{target}/revoke-tokens")
    assert revoked.status_code == 200 and revoked.json() == {"revoked": 2}
    assert api.client("member_a").get("/api/v1/me").status_code == 401
    [entry] = audited(api, "user.revoke_tokens", target)
    assert entry.actor == "platform-admin"


@pytest.mark.parametrize("caller", ["auditor", "reviewer", "admin_a", "member_a"])
def test_only_a_platform_admin_disables_users_or_revokes_their_tokens(
    api: Api, caller: str
) -> None:
    client = api.client(caller)
    target = user_id(api, "member_o")
    for action in ("disable", "enable", "revoke-tokens"):
        answer = client.post(f"/api/v1/users/{target}/{action}")
        assert answer.status_code == 403, (action, answer.text)
    assert api.client("member_o").get("/api/v1/me").status_code == 200
    listing = client.get("/api/v1/users")
    assert listing.status_code == (200 if caller == "auditor" else 403)


def test_a_platform_admin_cannot_disable_their_own_account(api: Api) -> None:
    own = user_id(api, "platform_admin")
    refused = api.client("platform_admin").post(f"/api/v1/users/{own}/disable")
    assert refused.status_code == 409 and refused.json()["code"] == "own_account"


def test_a_disabled_user_cannot_sign_in_even_with_the_right_password(api: Api) -> None:
    with api.database.write() as session:
        created = auth.create_user(
            session,
            actor=SYSTEM,
            username="wang",
            display_name="Wang",
            password=PASSWORD,
            roles=[Grant(Role.AUDITOR)],
        )
    credentials = {"username": "wang", "password": PASSWORD}
    assert api.client().post("/api/v1/session", json=credentials).status_code == 200
    api.client("platform_admin").post(f"/api/v1/users/{created.id}/disable")
    assert api.client().post("/api/v1/session", json=credentials).status_code == 401


# --- budgets: who sees which ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "sees"),
    [
        ("platform_admin", True),  # administers them
        ("auditor", True),  # reads everything
        ("budget_officer", True),  # Changning's officer: the budget of a Changning measure
        ("reviewer", True),  # Changning's reviewer weighs approvals against it
        ("reviewer_xuhui", False),  # another district's
        ("admin_a", False),  # an enterprise: a budget is not theirs
        ("member_a", False),
    ],
)
def test_a_budget_is_seen_by_its_districts_officials_admins_and_auditors_only(
    api: Api, caller: str, sees: bool
) -> None:
    answer = api.client(caller).get("/api/v1/budgets")
    assert answer.status_code == 200
    assert ([b["measure_id"] for b in answer.json()] == [FOCUS]) is sees


# --- throttling, forwarded addresses, caching, cookies ----------------------------------------


def sign_in(client: TestClient, username: str, password: str, **headers: str) -> int:
    client.cookies.clear()  # each attempt as a fresh visitor, without an earlier session
    answer = client.post(
        "/api/v1/session", json={"username": username, "password": password}, headers=headers
    )
    return answer.status_code


def password_user(api: Api, username: str) -> None:
    with api.database.write() as session:
        auth.create_user(
            session,
            actor=SYSTEM,
            username=username,
            display_name=username,
            password=PASSWORD,
            roles=[Grant(Role.AUDITOR)],
        )


def served(api: Api, peer: str, **settings: object) -> TestClient:
    app = create_app(
        api.settings.model_copy(update=settings),
        catalogue=api.catalogue,
        database=api.database,
        migrate=False,
    )
    return TestClient(app, client=(peer, 40000))


def test_x_forwarded_for_is_not_believed_unless_the_proxy_is_trusted(api: Api) -> None:
    password_user(api, "wang")
    # Untrusted: a guesser cannot escape the throttle by writing a new address each time.
    direct = served(api, "198.51.100.7")
    codes = [
        sign_in(direct, "wang", "guess", **{"X-Forwarded-For": f"192.0.2.{n}"}) for n in range(7)
    ]
    assert codes[:5] == [401] * 5 and 429 in codes[5:]
    # Trusted: the proxy's word decides whose address it is, so an office behind it that
    # failed does not hold back the same user elsewhere.
    proxy = served(api, "10.0.0.2", trusted_proxies=("10.0.0.0/8",))
    for _ in range(6):
        sign_in(proxy, "wang", "guess", **{"X-Forwarded-For": "203.0.113.50"})
    office = {"X-Forwarded-For": "203.0.113.50"}
    assert sign_in(proxy, "wang", PASSWORD, **office) == 429
    assert sign_in(proxy, "wang", PASSWORD, **{"X-Forwarded-For": "192.0.2.99"}) == 200
    # A client cannot smuggle a trusted-looking hop in front of its own address.
    spoofed = {"X-Forwarded-For": "192.0.2.99, 203.0.113.50"}
    assert sign_in(proxy, "wang", PASSWORD, **spoofed) == 429


def test_an_office_address_that_failed_twenty_times_still_lets_a_colleague_in(api: Api) -> None:
    password_user(api, "wang")
    password_user(api, "li")
    office = served(api, "203.0.113.50")
    for n in range(20):
        sign_in(office, ("zhang", "liu", "li")[n % 3], "guess")
    assert sign_in(office, "wang", PASSWORD) == 200
    assert sign_in(served(api, "192.0.2.1"), "li", PASSWORD) == 200


def test_personal_answers_are_never_cached(api: Api) -> None:
    assert api.client("member_a").get("/api/v1/me").headers["cache-control"] == "no-store"
    assert api.client("auditor").get("/api/v1/budgets").headers["cache-control"] == "no-store"
    public = api.client().get("/api/v1/zones")
    assert "no-store" not in public.headers.get("cache-control", "")


@pytest.mark.parametrize(
    ("base_url", "secure_setting", "secure"),
    [
        ("http://testserver", False, False),  # plain HTTP to another host: the test client
        ("http://testserver", True, True),
        ("https://testserver", False, True),
        ("http://localhost", False, True),
    ],
)
def test_the_api_session_cookie_is_secure_exactly_when_the_pages_one_is(
    api: Api, base_url: str, secure_setting: bool, secure: bool
) -> None:
    password_user(api, "wang")
    app = create_app(
        api.settings.model_copy(update={"secure_cookies": secure_setting}),
        catalogue=api.catalogue,
        database=api.database,
        migrate=False,
    )
    client = TestClient(app, base_url=base_url)
    answer = client.post("/api/v1/session", json={"username": "wang", "password": PASSWORD})
    assert answer.status_code == 200
    assert ("secure" in answer.headers["set-cookie"].lower()) is secure
    assert answer.headers["cache-control"] == "no-store"
    # The pages decide by the same rule: the cookie of their sign-in form carries the same flag
    # (a test client will not send a Secure cookie back over plain HTTP, so we stop there).
    client.cookies.clear()
    page = client.get("/sign-in")
    form_cookie = next(
        c for c in page.headers.get_list("set-cookie") if c.startswith("ftzlink_csrf=")
    )
    assert ("secure" in form_cookie.lower()) is secure


@pytest.mark.parametrize("typed", ["%", "_", "%%", "长宁%"])
def test_percent_and_underscore_typed_into_a_search_match_only_themselves(
    api: Api, typed: str
) -> None:
    admin = api.client("platform_admin")
    organisations = admin.get("/api/v1/organisations", params={"q": typed}).json()
    assert organisations["total"] == 0
    applications = admin.get("/api/v1/applications", params={"q": typed})
    assert applications.status_code == 200 and applications.json()["total"] == 0
    # The words themselves are still found.
    assert admin.get("/api/v1/organisations", params={"q": "长宁"}).json()["total"] > 0


def test_a_name_with_a_percent_sign_is_found_by_it(api: Api) -> None:
    admin = api.client("platform_admin")
    org = api.org["a"]
    changed = admin.patch(f"/api/v1/organisations/{org}", json={"name": "百分百_100%科技"})
    assert changed.status_code == 200, changed.text
    found = admin.get("/api/v1/organisations", params={"q": "_100%"}).json()
    assert [o["id"] for o in found["items"]] == [org]


def test_settings_take_trusted_proxies_from_the_environment(tmp_path: object) -> None:
    env = {"FTZLINK_DATA_DIR": "/tmp/x", "FTZLINK_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"}
    assert Settings.from_env(env).trusted_proxies == ("10.0.0.0/8", "192.0.2.1")
    assert Settings.from_env({"FTZLINK_DATA_DIR": "/tmp/x"}).trusted_proxies == ()
