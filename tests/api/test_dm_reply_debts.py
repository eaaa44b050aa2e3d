"""Which direct messages put the reader in debt, over HTTP: only those that ask
something; a reply that settles a debt never opens one in return; explicit asks
always do."""

from __future__ import annotations

from typing import Any

from tests.support import Person, Team


def _dm(person: Person, other: Person) -> int:
    response = person.post("/conversations", json={"member_ids": [other.id]})
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def _say(person: Person, conversation_id: int, body: str, **fields: Any) -> dict[str, Any]:
    response = person.post(
        f"/conversations/{conversation_id}/messages", json={"body": body, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _owed(person: Person, state: str | None = None) -> list[dict[str, Any]]:
    params = {"role": "debtor", **({"state": state} if state else {})}
    response = person.get("/expectations", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def test_sure_will_do_settles_the_ask_and_opens_no_debt_in_return(team: Team) -> None:
    ana, bo = team.owner, team.member
    conversation = _dm(ana, bo)
    asked = _say(ana, conversation, "Can you review the draft by Friday?")
    [owed] = _owed(bo)
    assert (owed["kind"], owed["creditor_id"], owed["message_id"]) == ("dm", ana.id, asked["id"])
    answer = _say(bo, conversation, "Sure, will do")
    assert answer["expectations"] == []
    assert _owed(ana) == []
    assert _owed(bo) == []
    [met] = _owed(bo, "met")
    assert met["id"] == owed["id"] and met["resolved_by_message_id"] == answer["id"]


def test_thanks_and_fyis_open_no_debt_and_questions_do(team: Team) -> None:
    ana, bo = team.owner, team.member
    conversation = _dm(ana, bo)
    for body in ("Thanks for yesterday!", "👍", "FYI the office is closed on Friday."):
        assert _say(ana, conversation, body)["expectations"] == []
    assert _owed(bo) == []
    asked = _say(ana, conversation, "do you have the login for the dashboard")
    assert [e["message_id"] for e in _owed(bo)] == [asked["id"]]


def test_an_explicit_ask_opens_a_debt_even_on_a_settling_reply(team: Team) -> None:
    ana, bo = team.owner, team.member
    conversation = _dm(ana, bo)
    _say(ana, conversation, "Could you send me the invoice?")
    sent = _say(bo, conversation, "Sent it. Thanks!", asks=[{"member_id": ana.id}])
    [owed] = _owed(ana)
    assert (owed["kind"], owed["creditor_id"], owed["message_id"]) == ("ask", bo.id, sent["id"])
    assert _owed(bo) == []


def test_the_preview_promises_a_reply_only_for_a_dm_that_asks(team: Team) -> None:
    conversation = _dm(team.owner, team.member)
    for body, expected in (("Can you review the draft?", True), ("Thanks, got it!", False)):
        preview = team.owner.post(
            "/compose/preview", json={"conversation_id": conversation, "body": body}
        )
        assert preview.status_code == 200, preview.text
        [person] = preview.json()["recipients"]
        assert (person["reply_by"] is not None) is expected
