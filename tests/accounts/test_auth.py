"""Sign-up, log-in, tokens, passwords and account deletion, over real HTTP."""

from __future__ import annotations

import httpx

from tests.conftest import Account, DatabaseUnderTest, query, signup, unique


def test_signup_returns_a_working_token(client: httpx.Client) -> None:
    acc = signup(client, nickname="당근이웃" + unique("")[:4])
    me = client.get("/api/v1/me", headers=acc.auth)
    assert me.status_code == 200
    assert me.json()["nickname"] == acc.nickname
    assert me.json()["neighbourhoods"] == []


def test_second_signup_with_same_email_is_refused_and_changes_nothing(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    acc = signup(client)
    before = query(database, "SELECT count(*) FROM users")[0][0]
    again = client.post(
        "/api/v1/auth/signup",
        json={
            "email": acc.email.upper(),
            "nickname": unique("다른"),
            "password": "another password",
        },
    )
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["detail"] == "이미 가입된 이메일입니다."
    assert query(database, "SELECT count(*) FROM users")[0][0] == before


def test_nickname_must_be_unique_regardless_of_case(client: httpx.Client) -> None:
    acc = signup(client, nickname="Neighbour" + unique("")[1:4])
    again = client.post(
        "/api/v1/auth/signup",
        json={
            "email": f"{unique()}@example.com",
            "nickname": acc.nickname.lower(),
            "password": "x" * 10,
        },
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "nickname"


def test_invalid_fields_get_one_message_each_in_korean_and_english(client: httpx.Client) -> None:
    bad = {"email": "not-an-email", "nickname": "a", "password": "short"}
    ko = client.post("/api/v1/auth/signup", json=bad)
    assert ko.status_code == 422
    fields = {e["field"]: e["message"] for e in ko.json()["errors"]}
    assert fields == {
        "email": "올바른 이메일 주소를 입력해 주세요.",
        "nickname": "닉네임은 2~12자의 한글, 영문, 숫자, _ . - 만 쓸 수 있어요.",
        "password": "비밀번호는 8자 이상이어야 해요.",
    }
    en = client.post("/api/v1/auth/signup", json=bad, headers={"Accept-Language": "en-US,en;q=0.9"})
    fields = {e["field"]: e["message"] for e in en.json()["errors"]}
    assert fields["email"] == "Enter a valid email address."
    assert fields["password"] == "The password must be at least 8 characters long."


def test_malformed_and_oversized_bodies_are_4xx(client: httpx.Client) -> None:
    broken = client.post(
        "/api/v1/auth/signup", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["message"] == "JSON 형식이 올바르지 않습니다."
    not_object = client.post("/api/v1/auth/signup", json=["a", "b"])
    assert not_object.status_code == 422
    huge = client.post(
        "/api/v1/auth/signup",
        content=b"{" + b" " * (13 * 1024 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.json()["detail"] == "요청이 너무 큽니다."
    unknown_field = client.post(
        "/api/v1/auth/signup",
        json={"email": "a@example.com", "nickname": "이웃", "password": "x" * 9, "role": "admin"},
    )
    assert unknown_field.status_code == 422


def test_login_with_wrong_password_is_401_and_right_password_gives_a_token(
    client: httpx.Client, account: Account
) -> None:
    wrong = client.post(
        "/api/v1/auth/token", json={"email": account.email, "password": "nope nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "이메일 또는 비밀번호가 올바르지 않습니다."
    unknown = client.post(
        "/api/v1/auth/token", json={"email": "nobody@example.com", "password": "x"}
    )
    assert unknown.status_code == 401
    right = client.post(
        "/api/v1/auth/token", json={"email": account.email, "password": account.password}
    )
    assert right.status_code == 200
    token = right.json()["access_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def _login(client: httpx.Client, email: str, password: str, address: str) -> httpx.Response:
    return client.post(
        "/api/v1/auth/token",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )


def test_logging_in_too_often_for_one_account_is_rate_limited(
    client: httpx.Client, account: Account
) -> None:
    # Different addresses: the per-account limit must hold on its own.
    statuses = [
        _login(client, account.email, "wrong password", f"192.0.2.{n + 1}").status_code
        for n in range(5)
    ]
    assert statuses == [401] * 5
    # Every address that guessed wrong is refused now, even with the right password.
    for n in range(5):
        limited = _login(client, account.email, account.password, f"192.0.2.{n + 1}")
        assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert "초 후에 다시 시도해 주세요" in limited.json()["detail"]
    # A new address gets one guess; having guessed wrong, it is refused too.
    assert _login(client, account.email, "wrong again", "192.0.2.50").status_code == 401
    assert _login(client, account.email, "and again", "192.0.2.50").status_code == 429
    assert _login(client, account.email, account.password, "192.0.2.50").status_code == 429


def test_guesses_from_other_addresses_do_not_lock_the_owner_out(
    client: httpx.Client, account: Account
) -> None:
    for n in range(5):
        assert _login(client, account.email, "wrong", f"198.51.100.{n + 1}").status_code == 401
    # The owner, from an address that has not failed at this account, still logs in.
    owner = _login(client, account.email, account.password, "203.0.113.7")
    assert owner.status_code == 200, owner.text
    # The guessers' further guesses are still refused.
    for n in range(5):
        assert _login(client, account.email, "wrong", f"198.51.100.{n + 1}").status_code == 429


def test_bad_and_revoked_tokens_are_401(client: httpx.Client, account: Account) -> None:
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/auth/logout", headers=account.auth).status_code == 204
    assert client.get("/api/v1/me", headers=account.auth).status_code == 401


def test_changing_the_password_revokes_other_sessions(
    client: httpx.Client, account: Account
) -> None:
    other = client.post(
        "/api/v1/auth/token", json={"email": account.email, "password": account.password}
    ).json()["access_token"]
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "not it at all", "new_password": "a brand new one"},
        headers=account.auth,
    )
    assert wrong.status_code == 401
    ok = client.post(
        "/api/v1/me/password",
        json={"current_password": account.password, "new_password": "a brand new one"},
        headers=account.auth,
    )
    assert ok.status_code == 204
    assert client.get("/api/v1/me", headers=account.auth).status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    relogin = client.post(
        "/api/v1/auth/token", json={"email": account.email, "password": "a brand new one"}
    )
    assert relogin.status_code == 200


def test_deleting_the_account_removes_personal_data_and_anonymises_events(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    acc = signup(client)
    n_events = query(database, "SELECT count(*) FROM events WHERE user_id = :u", u=acc.id)[0][0]
    assert n_events >= 2  # signed up, logged in
    refused = client.request(
        "DELETE", "/api/v1/me", json={"password": "wrong password"}, headers=acc.auth
    )
    assert refused.status_code == 401
    gone = client.request("DELETE", "/api/v1/me", json={"password": acc.password}, headers=acc.auth)
    assert gone.status_code == 204
    row = query(
        database,
        "SELECT email, nickname, password_hash, deleted_at FROM users WHERE id = :u",
        u=acc.id,
    )[0]
    assert row[:3] == (None, None, None) and row[3] is not None
    assert query(database, "SELECT count(*) FROM events WHERE user_id = :u", u=acc.id)[0][0] == 0
    stand_ins = query(
        database,
        "SELECT DISTINCT anonymous_id FROM events WHERE anonymous_id IS NOT NULL AND id IN "
        "(SELECT id FROM events WHERE name = 'account_deleted' AND user_id IS NULL) ",
    )
    assert stand_ins, "the deletion itself is kept as an anonymous event"
    assert client.get("/api/v1/me", headers=acc.auth).status_code == 401
    # The email is free again.
    again = client.post(
        "/api/v1/auth/signup",
        json={"email": acc.email, "nickname": unique("새"), "password": "new person here"},
    )
    assert again.status_code == 201
