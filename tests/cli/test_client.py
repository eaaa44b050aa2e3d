"""The terminal client, run as a user would against a live server."""

from __future__ import annotations

import json
import stat
import threading

import httpx
from websockets.http11 import Response
from websockets.sync.client import connect
from websockets.sync.server import ServerConnection, serve

from tests.cli.terminal import Cli, login, one_error
from tests.live.test_events import receive
from tests.support import PASSWORD, Team, free_port
from tidings.cli.client import Server


def _topic(team: Team, title: str) -> dict:
    found = team.owner.get(
        f"/channels/{team.channel_id('general')}/topics", params={"title": title}
    ).json()["items"]
    assert len(found) == 1
    return found[0]


def test_login_saves_a_profile_only_its_owner_may_read(cli: Cli, team: Team, tmp_path) -> None:
    login(cli, team, team.member)
    path = tmp_path / "me.json"
    saved = json.loads(path.read_text())
    assert saved["url"] == team.server.url
    assert saved["workspace"] == team.slug
    assert saved["member_id"] == team.member.id
    assert saved["token"].startswith("tdg_")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_login_asks_for_what_is_missing(cli: Cli, team: Team) -> None:
    result = cli("login", team.server.url, input=f"{team.admin.email}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output, "the password is typed hidden"
    assert cli("inbox").exit_code == 0


def test_post_starts_a_topic_then_appends_and_read_prints_both(cli: Cli, team: Team) -> None:
    login(cli, team, team.member)
    first = cli("post", "#general", "Release notes", "First **draft**")
    assert first.exit_code == 0, first.output
    assert "Posted to #general › Release notes" in first.stdout
    assert _topic(team, "Release notes")["message_count"] == 1
    again = cli("post", "#general", "release NOTES", "Second thoughts", "--priority", "urgent")
    assert again.exit_code == 0, again.output
    assert _topic(team, "Release notes")["message_count"] == 2
    topics = cli("read", "#general")
    assert "Release notes" in topics.stdout
    thread = cli("read", "#general", "Release notes")
    assert thread.exit_code == 0, thread.output
    assert thread.stdout.index("First **draft**") < thread.stdout.index("Second thoughts")
    assert "Member" in thread.stdout and "urgent" in thread.stdout


def test_inbox_shows_what_another_member_posted_until_it_is_read(cli: Cli, team: Team) -> None:
    login(cli, team, team.member)
    login(cli, team, team.owner, profile="owner")
    assert cli("post", "#general", "Inbox check", "@owner can you look?").exit_code == 0
    inbox = cli("inbox", profile="owner")
    assert inbox.exit_code == 0, inbox.output
    row = next(line for line in inbox.stdout.splitlines() if "Inbox check" in line)
    assert "#general › Inbox check" in row
    cells = [cell.strip() for cell in row.split("│")]
    assert cells[2] == "@member: @owner can you look?"
    assert cells[3:6] == ["1", "1", "normal"]
    assert cli("read", "#general", "Inbox check", profile="owner").exit_code == 0
    assert "Inbox check" not in cli("inbox", profile="owner").stdout


def test_search_finds_with_an_operator(cli: Cli, team: Team) -> None:
    login(cli, team, team.member)
    assert cli("post", "#general", "Airships", "The zeppelin & balloon crew lands").exit_code == 0
    found = cli("search", "from:@member zeppelin", "--limit", "5")
    assert found.exit_code == 0, found.output
    assert "#general › Airships" in found.stdout
    assert "zeppelin & balloon crew lands" in found.stdout, "marks dropped, entities unescaped"
    assert "No messages found." in cli("search", "from:@owner zeppelin").stdout


def test_a_direct_message_by_handle(cli: Cli, team: Team) -> None:
    login(cli, team, team.member)
    sent = cli("post", "@owner", "psst, a direct word")
    assert sent.exit_code == 0, sent.output
    assert "Posted to @owner" in sent.stdout
    (conversation,) = team.owner.get("/conversations").json()
    assert conversation["member_ids"] == sorted([team.owner.id, team.member.id])
    messages = team.owner.get(f"/conversations/{conversation['id']}/messages").json()["items"]
    assert [m["body"] for m in messages] == ["psst, a direct word"]
    login(cli, team, team.owner, profile="owner")
    assert "psst, a direct word" in cli("read", "@member", profile="owner").stdout


def test_tail_prints_events_from_the_start(cli: Cli, team: Team) -> None:
    login(cli, team, team.member)
    raw = cli("tail", "--count", "2", "--since", "0", "--json")
    assert raw.exit_code == 0, raw.output
    events = [json.loads(line) for line in raw.stdout.splitlines()]
    assert len(events) == 2
    assert events[0]["id"] < events[1]["id"]
    assert events[0]["type"] == "member.created"
    lines = cli("tail", "--count", "1", "--since", "0").stdout.splitlines()
    assert lines == [f"{events[0]['id']}  member.created  @owner Olive Owner"]


def test_tail_follows_a_public_channel_not_joined_only_when_named(cli: Cli, team: Team) -> None:
    made = team.owner.post("/channels", json={"name": "radio", "member_ids": [team.admin.id]})
    assert made.status_code == 201, made.text
    general = team.channel_id("general")
    url = team.server.url.replace("http://", "ws://")
    with connect(f"{url}/api/v1/events?token={team.admin.token}") as admin:
        on_air = team.owner.post(
            f"/channels/{made.json()['id']}/topics", json={"title": "on air", "body": "hi"}
        )
        assert on_air.status_code == 201, on_air.text
        first = receive(admin)  # the next event, heartbeats skipped
    assert first is not None
    assert first["type"] == "topic.created" and first["data"]["title"] == "on air"
    team.owner.post(f"/channels/{general}/topics", json={"title": "in general", "body": "hi"})
    login(cli, team, team.member)
    since = str(first["id"] - 1)
    joined_only = cli("tail", "--since", since, "--count", "1", "--json")
    assert json.loads(joined_only.stdout)["data"]["title"] == "in general"
    named = cli("tail", "--since", since, "--count", "1", "--json", "--channel", "#radio")
    assert json.loads(named.stdout)["data"]["title"] == "on air"
    unknown = cli("tail", "--channel", "nowhere")
    assert unknown.exit_code != 0
    assert one_error(unknown) == "error: no channel #nowhere (see: tidings channels)"


def test_tail_resumes_after_the_last_event_when_the_connection_drops(cli: Cli, tmp_path) -> None:
    paths: list[str] = []

    def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        assert ws.request.headers["Authorization"] == "Bearer tdg_test"
        paths.append(ws.request.path)
        ws.send('{"type":"heartbeat"}')
        ws.send(json.dumps({"id": 6 + len(paths), "type": "message.created", "data": {}}))
        if len(paths) == 1:
            ws.close(1012)  # what a restarting server sends
            return
        for _ in ws:  # until the client leaves
            pass

    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        profile = {"url": f"http://127.0.0.1:{port}", "token": "tdg_test"}
        (tmp_path / "me.json").write_text(json.dumps({**profile, "workspace": "x", "member_id": 1}))
        result = cli("tail", "--since", "3", "--count", "2", "--json")
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert paths == ["/api/v1/events?since=3", "/api/v1/events?since=7"]
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [7, 8]
    assert "reconnecting" in result.stderr


def test_tail_without_since_resumes_from_where_its_stream_opened(cli: Cli, tmp_path) -> None:
    """Dropped before any event came: the next connection asks for what came after the
    head the first one opened at, not for a new head (which would skip events)."""
    paths: list[str] = []

    def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        paths.append(ws.request.path)
        if len(paths) == 1:
            ws.close(1012)  # before any event
            return
        ws.send(json.dumps({"id": 42, "type": "message.created", "data": {}}))
        for _ in ws:
            pass

    def opened_at(_: ServerConnection, __: object, response: Response) -> Response:
        if not paths:
            response.headers["X-Tidings-Since"] = "41"
        return response

    with serve(handler, "127.0.0.1", 0, process_response=opened_at) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        profile = {"url": f"http://127.0.0.1:{port}", "token": "tdg_test"}
        (tmp_path / "me.json").write_text(json.dumps({**profile, "workspace": "x", "member_id": 1}))
        result = cli("tail", "--count", "1", "--json")
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert paths == ["/api/v1/events", "/api/v1/events?since=41"]
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [42]


def test_tail_with_a_refused_token_says_why(cli: Cli, team: Team, tmp_path) -> None:
    profile = {"url": team.server.url, "token": "tdg_revoked", "workspace": "x", "member_id": 1}
    (tmp_path / "me.json").write_text(json.dumps(profile))
    result = cli("tail", "--json", "--count", "1")
    assert one_error(result) == "error: The token is invalid, expired or revoked"


class LosesTheFirstAnswer(httpx.BaseTransport):
    """Delivers every request, but the first answer never comes back."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.keys: list[str | None] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.keys.append(request.headers.get("Idempotency-Key"))
        response = self.real.handle_request(request)
        if len(self.keys) > 1:
            return response
        response.close()
        raise httpx.ReadTimeout("the answer was lost", request=request)

    def close(self) -> None:
        self.real.close()


def test_a_retried_post_is_stored_once(team: Team) -> None:
    topic = team.owner.post(
        f"/channels/{team.channel_id('general')}/topics", json={"title": "Once", "body": "hi"}
    ).json()
    flaky = LosesTheFirstAnswer()
    with Server(team.server.url, team.member.token, transport=flaky) as server:
        sent = server.send("POST", f"/topics/{topic['id']}/messages", {"body": "only once"})
    assert len(flaky.keys) == 2 and flaky.keys[0] == flaky.keys[1] is not None
    messages = team.owner.get(f"/topics/{topic['id']}/messages").json()["items"]
    assert [m["body"] for m in messages] == ["hi", "only once"]
    assert messages[-1]["id"] == sent["id"]


def test_logout_revokes_the_token_and_forgets_the_profile(cli: Cli, team: Team, tmp_path) -> None:
    login(cli, team, team.member)
    token = json.loads((tmp_path / "me.json").read_text())["token"]
    assert cli("logout").exit_code == 0
    assert not (tmp_path / "me.json").exists()
    me = httpx.get(
        f"{team.server.url}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 401


def test_a_wrong_password_is_one_line_and_exit_1(cli: Cli, team: Team, tmp_path) -> None:
    result = cli("login", team.server.url, "--email", team.member.email, "--password", "nope")
    assert one_error(result) == "error: Email or password is wrong"
    assert not (tmp_path / "me.json").exists()


def test_a_refusal_from_the_server_is_one_line(cli: Cli, team: Team) -> None:
    login(cli, team, team.member)
    result = cli("post", "#announcements", "Big news", "Members may not start this")
    assert one_error(result) == (
        "error: Only admins and named posters may start topics in announcements"
    )


def test_without_a_profile_it_says_how_to_sign_in(cli: Cli) -> None:
    assert one_error(cli("inbox")) == "error: not signed in; run: tidings login URL"


def test_an_unreachable_server_is_one_line(cli: Cli) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = cli("login", url, "--email", "ana@example.com", "--password", PASSWORD)
    assert one_error(result) == f"error: cannot reach {url}"
