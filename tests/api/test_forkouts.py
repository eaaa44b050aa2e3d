"""Forkouts over HTTP: separate DMs, per-recipient status, one follow-up."""

from __future__ import annotations

from tests.support import Team


def test_a_forkout_sends_separate_dms_and_tracks_read_and_reply(team: Team) -> None:
    group = team.owner.post(
        "/groups", json={"handle": "leads", "name": "Leads", "member_ids": [team.admin.id]}
    ).json()
    made = team.owner.post(
        "/forkouts",
        json={
            "body": "Which week suits you for the offsite?",
            "member_ids": [team.member.id],
            "group_ids": [group["id"]],
        },
    )
    assert made.status_code == 201, made.text
    forkout = made.json()
    assert sorted(r["member_id"] for r in forkout["recipients"]) == sorted(
        [team.member.id, team.admin.id]
    )
    conversations = {c["id"]: c for c in team.owner.get("/conversations").json()}
    for recipient in forkout["recipients"]:
        assert conversations[recipient["conversation_id"]]["kind"] == "dm"
    mine = next(r for r in forkout["recipients"] if r["member_id"] == team.member.id)
    team.member.post("/read", json={"conversation_id": mine["conversation_id"]})
    reply = team.member.post(
        f"/conversations/{mine['conversation_id']}/messages", json={"body": "Week 19 works"}
    ).json()
    status = team.owner.get(f"/forkouts/{forkout['id']}").json()
    by_member = {r["member_id"]: r for r in status["recipients"]}
    assert by_member[team.member.id]["read"] is True
    assert by_member[team.member.id]["replied_message_id"] == reply["id"]
    assert by_member[team.admin.id]["replied_message_id"] is None
    assert status["replied"] == 1

    followed = team.owner.post(
        f"/forkouts/{forkout['id']}/follow-up", json={"body": "Reminder: by Friday"}
    )
    assert followed.status_code == 200, followed.text
    by_member = {r["member_id"]: r for r in followed.json()["recipients"]}
    assert by_member[team.admin.id]["followup_message_id"] is not None
    assert by_member[team.member.id]["followup_message_id"] is None
    again = team.owner.post(f"/forkouts/{forkout['id']}/follow-up", json={"body": "Again"})
    assert again.status_code == 422
    assert [f["id"] for f in team.owner.get("/forkouts").json()] == [forkout["id"]]


def test_only_the_author_sees_a_forkout_and_bad_input_is_refused(team: Team) -> None:
    made = team.owner.post(
        "/forkouts", json={"body": "Quick poll", "member_ids": [team.member.id]}
    ).json()
    assert team.member.get(f"/forkouts/{made['id']}").status_code == 404
    assert team.outsider.get(f"/forkouts/{made['id']}").status_code == 404
    assert team.owner.post("/forkouts", json={"body": "To nobody"}).status_code == 422
    assert (
        team.owner.post("/forkouts", json={"body": "Me", "member_ids": [team.owner.id]}).status_code
        == 422
    )
    assert (
        team.owner.post(
            "/forkouts", json={"body": "x", "member_ids": [team.outsider.id]}
        ).status_code
        == 422
    )
    assert (
        team.owner.post("/forkouts", json={"body": "x", "group_ids": [999999]}).status_code == 422
    )
    assert (
        team.guest.post("/forkouts", json={"body": "x", "member_ids": [team.member.id]}).status_code
        == 403
    )
    assert (
        team.owner.post("/forkouts", json={"body": "", "member_ids": [team.member.id]}).status_code
        == 422
    )


def test_a_forkout_can_be_scheduled(team: Team) -> None:
    from datetime import UTC, datetime, timedelta

    at = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    made = team.owner.post(
        "/scheduled",
        json={
            "body": "Monday check-in",
            "forkout": {"member_ids": [team.member.id]},
            "send_at": at,
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["forkout_member_ids"] == [team.member.id]
    both = team.owner.post(
        "/scheduled",
        json={
            "body": "x",
            "forkout": {"member_ids": [team.member.id]},
            "topic_id": 1,
            "send_at": at,
        },
    )
    assert both.status_code == 422
