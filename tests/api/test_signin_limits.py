"""The sign-in limiter over HTTP: back-off per (e-mail, address), per e-mail, per address
and per node, with the clock travelling instead of waiting.

Clients come from different loopback addresses (127.0.0.0/8 all reach the server on
Linux), so the server sees different client addresses, as it would from the Internet.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support import PASSWORD, LiveServer, Team, database_url_for, make_team, server_settings
from tests.web.test_pages import csrf_of
from tidings.clock import FrozenClock

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LIMITS = {
    "login_pair_failures": 3,
    "login_account_failures": 6,
    "login_address_failures": 10,
    "login_global_failures": 40,
    "login_max_wait_seconds": 600,
    "login_account_max_wait_seconds": 60,
}
_hosts = itertools.count(2)


@dataclass
class Guarded:
    server: LiveServer
    clock: FrozenClock
    team: Team

    def travel(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))


@pytest.fixture
def guarded(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    """A server of its own: the limiter's counts must start from nothing."""
    clock = FrozenClock(START)
    with database_url_for(database_kind, tmp_path_factory.mktemp("limits")) as url:
        live = LiveServer(server_settings(url, **LIMITS), clock).start()
        team = make_team(live)
        try:
            yield Guarded(live, clock, team)
        finally:
            team.close()
            live.stop()


def fresh_address() -> str:
    return f"127.0.{next(_hosts) % 250}.{next(_hosts) % 250 + 2}"


def client_from(server: LiveServer, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=f"{server.url}/api/v1", transport=transport, timeout=30)


def login(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/auth/login", json={"email": email, "password": password})


def assert_throttled(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "login_throttled"
    assert body["retry_after"] == int(response.headers["Retry-After"])
    assert "try again in" in body["detail"]
    return int(response.headers["Retry-After"])


def test_each_wrong_password_past_the_free_ones_doubles_the_wait(guarded: Guarded) -> None:
    email = guarded.team.member.email
    with client_from(guarded.server, fresh_address()) as guesser:
        assert [login(guesser, email, "wrong").status_code for _ in range(4)] == [401] * 4
        assert assert_throttled(login(guesser, email, "wrong")) == 1
        # While waiting nothing is checked, not even the right password.
        assert assert_throttled(login(guesser, email)) == 1
        guarded.travel(1)
        assert login(guesser, email, "wrong").status_code == 401
        assert assert_throttled(login(guesser, email, "wrong")) == 2
        guarded.travel(2)
        assert login(guesser, email).status_code == 200
        # A success clears the pair's failures.
        assert login(guesser, email, "wrong").status_code == 401


def test_a_guess_a_second_for_five_minutes_gets_only_a_few_checked(guarded: Guarded) -> None:
    email = guarded.team.owner.email
    checked = throttled = 0
    with client_from(guarded.server, fresh_address()) as guesser:
        for _ in range(300):
            response = login(guesser, email, "wrong")
            if response.status_code == 429:
                throttled += 1
            else:
                assert response.status_code == 401
                checked += 1
            guarded.travel(1)
    assert checked <= 12
    assert throttled >= 280


def test_the_owner_signs_in_while_their_account_is_guessed_from_many_places(
    guarded: Guarded,
) -> None:
    team = guarded.team
    usual = fresh_address()
    with client_from(guarded.server, usual) as client:
        assert login(client, team.owner.email).status_code == 200
    for _ in range(3):  # seven failures spread over addresses: one more than the free six
        for _ in range(3):
            with client_from(guarded.server, fresh_address()) as guesser:
                login(guesser, team.owner.email, "wrong")
    with client_from(guarded.server, fresh_address()) as new_place:
        wait = assert_throttled(login(new_place, team.owner.email))
        assert wait <= LIMITS["login_account_max_wait_seconds"]
        # From where they signed in before, the owner is not held up at all.
        with client_from(guarded.server, usual) as client:
            assert login(client, team.owner.email).status_code == 200
        # Other people are unaffected, even from an address that just guessed.
        assert login(new_place, team.member.email).status_code == 200
        guarded.travel(wait)
        assert login(new_place, team.owner.email).status_code == 200


def test_guessing_an_account_never_keeps_its_owner_out_longer_than_the_cap(
    guarded: Guarded,
) -> None:
    email = guarded.team.admin.email
    for _ in range(40):  # a patient attacker who waits out every refusal
        with client_from(guarded.server, fresh_address()) as guesser:
            response = login(guesser, email, "wrong")
            if response.status_code == 429:
                guarded.travel(assert_throttled(response))
    with client_from(guarded.server, fresh_address()) as new_place:
        response = login(new_place, email)
        if response.status_code == 429:
            wait = assert_throttled(response)
            assert wait <= LIMITS["login_account_max_wait_seconds"]
            guarded.travel(wait)
            response = login(new_place, email)
        assert response.status_code == 200, response.text


def test_spraying_many_emails_from_one_address_is_limited(guarded: Guarded) -> None:
    slug = guarded.team.slug
    with client_from(guarded.server, fresh_address()) as sprayer:
        statuses = [login(sprayer, f"p{n}@{slug}.test", "wrong").status_code for n in range(11)]
        assert statuses == [401] * 11
        assert_throttled(login(sprayer, f"someone-else@{slug}.test", "wrong"))
        assert_throttled(login(sprayer, guarded.team.member.email))
    with client_from(guarded.server, fresh_address()) as elsewhere:
        assert login(elsewhere, guarded.team.member.email).status_code == 200


def test_a_flood_of_failures_holds_back_only_unfamiliar_sign_ins(guarded: Guarded) -> None:
    team = guarded.team
    usual = fresh_address()
    with client_from(guarded.server, usual) as client:
        assert login(client, team.guest.email).status_code == 200
    for n in range(41):  # each from its own address, for its own e-mail
        with client_from(guarded.server, fresh_address()) as guesser:
            assert login(guesser, f"x{n}@{team.slug}.test", "wrong").status_code == 401
    with client_from(guarded.server, fresh_address()) as stranger:
        assert_throttled(login(stranger, team.member.email))
    with client_from(guarded.server, usual) as client:
        assert login(client, team.guest.email).status_code == 200


def test_throttled_and_unknown_accounts_look_the_same(guarded: Guarded) -> None:
    with client_from(guarded.server, fresh_address()) as guesser:
        known = [login(guesser, guarded.team.member.email, "wrong") for _ in range(5)]
        unknown = [login(guesser, f"ghost@{guarded.team.slug}.test", "wrong") for _ in range(5)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert known[-1].json() == unknown[-1].json()


def test_the_sign_in_page_says_when_to_try_again(guarded: Guarded) -> None:
    email = guarded.team.member.email
    transport = httpx.HTTPTransport(local_address=fresh_address())
    with httpx.Client(base_url=guarded.server.url, transport=transport, timeout=30) as browser:
        token = csrf_of(browser.get("/login").text)
        form = {"csrf_token": token, "email": email, "password": "wrong"}
        assert [browser.post("/login", data=form).status_code for _ in range(4)] == [401] * 4
        page = browser.post("/login", data=form)
        assert page.status_code == 429
        assert page.headers["Retry-After"] == "1"
        assert "try again in 1 second" in page.text
        assert 'name="email"' in page.text  # the form is still there to retry
