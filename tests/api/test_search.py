"""Search over HTTP: words, phrases, operators, snippets, paging and who sees what."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from tests.support import LiveServer, Person, Team, make_team


def _channel(person: Person, name: str, **extra: Any) -> int:
    response = person.post("/channels", json={"name": name, **extra})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _topic(person: Person, channel_id: int, title: str, body: str, **extra: Any) -> dict:
    response = person.post(
        f"/channels/{channel_id}/topics", json={"title": title, "body": body, **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _post(person: Person, topic_id: int, body: str, **extra: Any) -> dict:
    response = person.post(f"/topics/{topic_id}/messages", json={"body": body, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def _dm(person: Person, other: Person, body: str) -> dict:
    opened = person.post("/conversations", json={"member_ids": [other.id]})
    assert opened.status_code == 200, opened.text
    response = person.post(f"/conversations/{opened.json()['id']}/messages", json={"body": body})
    assert response.status_code == 201, response.text
    return response.json()


def _search(person: Person, q: str, **params: Any) -> dict[str, Any]:
    response = person.get("/search", params={"q": q, **params})
    assert response.status_code == 200, f"{q!r}: {response.text}"
    return response.json()


def _ids(person: Person, q: str) -> set[int]:
    page = _search(person, q, limit=200)
    assert page["next_cursor"] is None
    return {hit["message"]["id"] for hit in page["items"]}


@dataclass
class World:
    """One workspace seeded for read-only searches; ``m`` maps a label to a message id."""

    team: Team
    m: dict[str, int] = field(default_factory=dict)
    day: date = date.min

    def ids(self, *labels: str) -> set[int]:
        return {self.m[label] for label in labels}


def _seed(team: Team) -> World:
    world = World(team)
    m = world.m
    general = team.channel_id("general")
    design = _channel(team.admin, "design")
    assert team.member.post(f"/channels/{design}/join").status_code == 200
    vault = _channel(team.owner, "vault", is_private=True, member_ids=[team.admin.id])
    client = _channel(team.owner, "client", is_private=True, member_ids=[team.guest.id])

    roadmap = _topic(team.owner, general, "Q3 Roadmap Plans", "We finalized the plans today")
    m["plans"] = roadmap["first_message"]["id"]
    m["planned"] = _post(team.member, roadmap["id"], "Everything went as planned")["id"]
    m["planner"] = _post(team.admin, roadmap["id"], "The planner tool crashed")["id"]
    m["fox"] = _post(team.admin, roadmap["id"], "the quick brown fox jumps")["id"]
    m["fox_shuffled"] = _post(team.owner, roadmap["id"], "a brown and quick fox sleeps")["id"]

    budget = _topic(team.admin, general, "Budget", "budget draft numbers")
    m["budget_draft"] = budget["first_message"]["id"]
    m["budget_final"] = _post(team.member, budget["id"], "budget final numbers")["id"]
    m["link"] = _post(
        team.member, budget["id"], "Spreadsheet at https://example.com/sheet for the numbers"
    )["id"]
    m["mention"] = _post(team.owner, budget["id"], "@member please check the numbers")["id"]

    logo = _topic(team.admin, design, "Logo Review", "The new logo colors look great")
    m["logo_new"] = logo["first_message"]["id"]
    m["logo_old"] = _post(team.member, logo["id"], "I prefer the old logo colors")["id"]

    outage = _topic(team.admin, general, "Outage", "Database outage in progress", priority="urgent")
    m["outage"] = outage["first_message"]["id"]
    m["outage_calm"] = _post(team.owner, outage["id"], "The outage is over")["id"]

    escape = _topic(team.owner, general, "Escaping", 'Careful: 1 < 2 && "zebra" <b>bold</b>')
    m["zebra"] = escape["first_message"]["id"]

    secret = _topic(team.owner, vault, "Launch", "unicornsecret launch codes")
    m["vault"] = secret["first_message"]["id"]
    m["client"] = _topic(team.owner, client, "Welcome", "clientnote for our guest")[
        "first_message"
    ]["id"]
    m["dm"] = _dm(team.owner, team.admin, "dmsecretword between us")["id"]
    m["dm_member"] = _dm(team.owner, team.member, "membersecretword just for you")["id"]
    outsider_general = [
        c["id"] for c in team.outsider.get("/channels").json() if c["name"] == "general"
    ][0]
    m["outsider"] = _topic(team.outsider, outsider_general, "Theirs", "outsidersecret logo")[
        "first_message"
    ]["id"]
    created = team.owner.get(f"/messages/{m['plans']}").json()["created_at"]
    world.day = date.fromisoformat(created[:10])
    return world


@pytest.fixture(scope="module")
def world(server: LiveServer) -> Iterator[World]:
    team = make_team(server)
    try:
        yield _seed(team)
    finally:
        team.close()


# Words and phrases


def test_plain_words_are_stemmed(world: World) -> None:
    member = world.team.member
    # Porter (SQLite) and the english dictionary (PostgreSQL) agree: plan, plans, planned,
    # planning share a stem; "planner" does not.
    assert _ids(member, "planning") == world.ids("plans", "planned")
    assert _ids(member, "plan") == world.ids("plans", "planned")
    assert _ids(member, "planners") == world.ids("planner")


def test_plain_words_ignore_case(world: World) -> None:
    assert _ids(world.team.member, "OUTAGE") == world.ids("outage", "outage_calm")


def test_every_word_must_match(world: World) -> None:
    member = world.team.member
    assert _ids(member, "logo colors") == world.ids("logo_new", "logo_old")
    assert _ids(member, "old logo colors") == world.ids("logo_old")
    assert _ids(member, "logo nonexistentword") == set()


def test_exact_phrase_matches_words_in_order(world: World) -> None:
    member = world.team.member
    assert _ids(member, "quick brown fox") == world.ids("fox", "fox_shuffled")
    assert _ids(member, '"quick brown fox"') == world.ids("fox")
    assert _ids(member, "“quick brown fox”") == world.ids("fox")
    assert _ids(member, '"brown fox jumps" quick') == world.ids("fox")


def test_minus_word_excludes(world: World) -> None:
    member = world.team.member
    assert _ids(member, "budget") == world.ids("budget_draft", "budget_final")
    assert _ids(member, "budget -draft") == world.ids("budget_final")
    assert _ids(member, 'fox -"quick brown"') == world.ids("fox_shuffled")


def test_exclusion_with_a_filter_only(world: World) -> None:
    assert _ids(world.team.member, "in:#design -old") == world.ids("logo_new")


# Operators


def test_from_handle(world: World) -> None:
    member = world.team.member
    assert _ids(member, "from:@member logo") == world.ids("logo_old")
    assert _ids(member, "from:member numbers") == world.ids("budget_final", "link")
    assert _ids(member, "from:@admin from:@member logo") == world.ids("logo_new", "logo_old")
    assert _ids(member, "from:@nobody logo") == set()


def test_in_channel(world: World) -> None:
    member = world.team.member
    assert _ids(member, "in:#design") == world.ids("logo_new", "logo_old")
    assert _ids(member, "in:design colors") == world.ids("logo_new", "logo_old")
    assert _ids(member, "in:#general logo") == set()
    assert _ids(member, "in:#nosuchchannel") == set()


def test_topic_with_spaces(world: World) -> None:
    member = world.team.member
    expected = world.ids("plans", "planned", "planner", "fox", "fox_shuffled")
    assert _ids(member, 'topic:"Q3 Roadmap Plans"') == expected
    assert _ids(member, 'topic:"q3   roadmap PLANS"') == expected
    assert _ids(member, 'topic:"Q3 Roadmap Plans" fox') == world.ids("fox", "fox_shuffled")
    assert _ids(member, "topic:Budget") == world.ids(
        "budget_draft", "budget_final", "link", "mention"
    )
    assert _ids(member, 'topic:"Q3 Roadmap"') == set()


def test_is_urgent(world: World) -> None:
    assert _ids(world.team.member, "is:urgent") == world.ids("outage")
    assert _ids(world.team.member, "outage is:urgent") == world.ids("outage")


def test_is_mentioned_is_per_viewer(world: World) -> None:
    assert _ids(world.team.member, "is:mentioned") == world.ids("mention")
    assert _ids(world.team.admin, "is:mentioned") == set()


def test_has_link(world: World) -> None:
    assert _ids(world.team.member, "has:link") == world.ids("link")
    assert _ids(world.team.member, "numbers has:link") == world.ids("link")


def test_before_and_after_exclude_the_named_day(world: World) -> None:
    member, day = world.team.member, world.day
    everything = _ids(member, "logo")
    assert everything == world.ids("logo_new", "logo_old")
    assert _ids(member, f"logo before:{day + timedelta(days=1)}") == everything
    assert _ids(member, f"logo before:{day}") == set()
    assert _ids(member, f"logo after:{day - timedelta(days=1)}") == everything
    assert _ids(member, f"logo after:{day}") == set()
    window = f"after:{day - timedelta(days=1)} before:{day + timedelta(days=1)}"
    assert _ids(member, f"logo {window}") == everything


def test_operators_combine(world: World) -> None:
    member, day = world.team.member, world.day
    query = f"from:@admin in:#general is:urgent after:{day - timedelta(days=1)} outage"
    assert _ids(member, query) == world.ids("outage")
    assert _ids(member, 'from:@owner topic:"Outage" -database') == world.ids("outage_calm")
    assert _ids(member, "from:@owner in:#design") == set()
    assert _ids(member, "FROM:@Member IN:#DESIGN Is:Urgent") == set()


def test_hits_carry_topic_and_channel(world: World) -> None:
    [hit] = _search(world.team.member, "old logo")["items"]
    assert hit["topic_title"] == "Logo Review"
    assert hit["channel_name"] == "design"
    assert hit["message"]["body"] == "I prefer the old logo colors"
    [dm] = _search(world.team.member, "membersecretword")["items"]
    assert dm["topic_title"] is None and dm["channel_name"] is None
    assert dm["message"]["conversation_id"] is not None


# Snippets


def test_snippets_are_html_escaped_with_marks_around_matches(world: World) -> None:
    [hit] = _search(world.team.member, "zebra")["items"]
    snippet = hit["snippet"]
    assert "<mark>zebra</mark>" in snippet
    assert "1 &lt; 2 &amp;&amp; &quot;" in snippet
    assert "<b>" not in snippet
    # Outside the marks nothing is markup: the tag is escaped (FTS5) or dropped (ts_headline).
    outside = re.sub(r"</?mark>", "", snippet)
    assert "<" not in outside and ">" not in outside
    assert re.search(r"&(?!(lt|gt|amp|quot|#x27);)", outside) is None
    # The message itself is rendered safely too.
    assert "<b>" not in hit["message"]["html"]


def test_snippet_marks_stemmed_matches(world: World) -> None:
    [hit] = _search(world.team.member, "planning from:@member")["items"]
    assert "<mark>planned</mark>" in hit["snippet"]


# Who sees what


def test_private_channel_hits_only_for_its_members(world: World) -> None:
    team = world.team
    assert _ids(team.admin, "unicornsecret") == world.ids("vault")
    assert _ids(team.owner, "unicornsecret") == world.ids("vault")
    for person in (team.member, team.guest, team.outsider):
        assert _ids(person, "unicornsecret") == set(), person.handle
        assert _ids(person, "in:#vault") == set(), person.handle
        assert _ids(person, "launch codes") == set(), person.handle


def test_direct_messages_hit_only_for_their_participants(world: World) -> None:
    team = world.team
    assert _ids(team.admin, "dmsecretword") == world.ids("dm")
    assert _ids(team.owner, "dmsecretword") == world.ids("dm")
    for person in (team.member, team.guest, team.outsider):
        assert _ids(person, "dmsecretword") == set(), person.handle
        assert _ids(person, "from:@owner between") == set(), person.handle
    assert _ids(team.member, "membersecretword") == world.ids("dm_member")
    assert _ids(team.admin, "membersecretword") == set()


def test_guest_finds_only_their_channels(world: World) -> None:
    guest = world.team.guest
    assert _ids(guest, "clientnote") == world.ids("client")
    for query in ("logo", "outage", "is:urgent", "has:link", "in:#general", "from:@owner"):
        found = _ids(guest, query)
        assert found <= world.ids("client"), query
    assert _ids(guest, "from:@owner") == world.ids("client")
    assert _ids(world.team.member, "clientnote") == set()


def test_outsider_never_finds_this_workspace_and_we_never_find_theirs(world: World) -> None:
    team = world.team
    assert _ids(team.outsider, "logo") == world.ids("outsider")
    assert _ids(team.outsider, "is:urgent") == set()
    assert _ids(team.outsider, "from:@member") == set()
    for person in (team.owner, team.admin, team.member, team.guest):
        assert _ids(person, "outsidersecret") == set(), person.handle
    assert world.m["outsider"] not in _ids(team.member, "logo")


# Bad queries


@pytest.mark.parametrize(
    ("q", "named"),
    [
        ("from:", "from:"),
        ("logo from:", "from:"),
        ('"unterminated', "Unterminated quote"),
        ("is:bogus", "bogus"),
        ("has:nothing", "nothing"),
        ("before:2026-13-45", "2026-13-45"),
        ("after:yesterday", "yesterday"),
        ("form:@ana", "form:"),
        ("-from:@member", "-"),
        ("after:2026-02-01 before:2026-01-01", "later than"),
        ("", "Type something"),
        ("   ", "Type something"),
        ("-draft", "-draft"),
        ("x" * 501, "501"),
    ],
)
def test_bad_syntax_is_a_422_naming_the_problem(world: World, q: str, named: str) -> None:
    response = world.team.member.get("/search", params={"q": q})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "bad_search_query"
    assert named in problem["detail"]


def test_missing_q_is_invalid_input(world: World) -> None:
    response = world.team.member.get("/search")
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert problem["errors"][0]["field"] == "query.q"


def test_bad_cursor_and_limit_are_422(world: World) -> None:
    member = world.team.member
    for params in ({"cursor": "not-a-cursor"}, {"limit": 0}, {"limit": 201}, {"limit": "x"}):
        response = member.get("/search", params={"q": "logo", **params})
        assert response.status_code == 422, params
        assert response.json()["code"] == "invalid_input"


# Changing state: each test gets its own workspace.


def test_is_unread_is_per_viewer(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "News", "first readable")
    second = _post(team.owner, topic["id"], "second readable")
    third = _post(team.owner, topic["id"], "third readable")
    dm = _dm(team.admin, team.member, "dm readable")
    assert _ids(team.member, "is:unread") == {
        topic["first_message"]["id"],
        second["id"],
        third["id"],
        dm["id"],
    }
    assert _ids(team.owner, "is:unread") == set()
    assert team.member.post("/read", json={"message_id": second["id"]}).status_code == 200
    assert _ids(team.member, "readable is:unread") == {third["id"], dm["id"]}
    assert team.member.post("/read", json={"all": True}).status_code == 200
    assert _ids(team.member, "is:unread") == set()
    assert _ids(team.admin, "is:unread") == {
        topic["first_message"]["id"],
        second["id"],
        third["id"],
    }


def test_cursor_paging_walks_all_hits_newest_first(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Paging", "pagemarker one")
    posted = [topic["first_message"]["id"]]
    for word in ("two", "three", "four", "five"):
        posted.append(_post(team.member, topic["id"], f"pagemarker {word}")["id"])
    _post(team.member, topic["id"], "unrelated")
    seen: list[int] = []
    pages = 0
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = _search(team.admin, "pagemarker", **params)
        pages += 1
        assert len(page["items"]) <= 2
        seen += [hit["message"]["id"] for hit in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10
    assert pages == 3
    assert seen == sorted(posted, reverse=True)


def test_cursor_paging_with_filters_only(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Urgent paging", "u1", priority="urgent")
    posted = [topic["first_message"]["id"]]
    for i in range(2, 6):
        posted.append(_post(team.owner, topic["id"], f"u{i}", priority="urgent")["id"])
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = _search(team.member, "is:urgent", **params)
        seen += [hit["message"]["id"] for hit in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(posted, reverse=True)


def test_deleted_messages_are_not_found(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Regret", "keep vanishingword")
    gone = _post(team.owner, topic["id"], "drop vanishingword", priority="urgent")
    assert _ids(team.member, "vanishingword") == {topic["first_message"]["id"], gone["id"]}
    assert team.owner.delete(f"/messages/{gone['id']}").status_code == 200
    assert _ids(team.member, "vanishingword") == {topic["first_message"]["id"]}
    assert _ids(team.member, "drop") == set()
    assert _ids(team.member, "is:urgent") == set()
    assert _ids(team.owner, "from:@owner") == {topic["first_message"]["id"]}


def test_edited_message_is_found_by_new_text_not_old(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Edits", "original aardvark wording")
    message_id = topic["first_message"]["id"]
    edited = team.owner.patch(f"/messages/{message_id}", json={"body": "revised pangolin wording"})
    assert edited.status_code == 200, edited.text
    assert _ids(team.member, "aardvark") == set()
    assert _ids(team.member, "pangolin") == {message_id}
    assert _ids(team.member, "wording is:edited") == {message_id}
    [hit] = _search(team.member, "pangolin")["items"]
    assert hit["message"]["body"] == "revised pangolin wording"
    assert "<mark>pangolin</mark>" in hit["snippet"]
