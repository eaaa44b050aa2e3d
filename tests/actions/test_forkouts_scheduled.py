"""A forkout written now and sent later, once, by a job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.actions.conftest import Crew
from tidings.actions import scheduled
from tidings.errors import InvalidInput
from tidings.queries.later import list_scheduled
from tidings.store.models import forkout_recipients, forkouts


def test_a_scheduled_forkout_goes_out_once_at_its_time(crew: Crew) -> None:
    at = crew.clock.now() + timedelta(hours=2)
    target = {"member_ids": [crew.ana.member_id, crew.joy.member_id], "group_ids": []}
    made = crew.do(
        lambda tx: scheduled.schedule_message(
            tx, crew.lena, body="Offsite week?", forkout=target, send_at=at
        )
    )
    assert made["forkout_member_ids"] == sorted(target["member_ids"])
    crew.travel(timedelta(hours=1, minutes=59))
    assert crew.read(lambda c: c.execute(select(forkouts.c.id)).all()) == []
    crew.travel(timedelta(minutes=1))
    crew.travel(timedelta(hours=3))
    [forkout_id] = crew.read(lambda c: c.execute(select(forkouts.c.id)).scalars().all())
    sent_to = crew.read(
        lambda c: (
            c.execute(
                select(forkout_recipients.c.member_id).where(
                    forkout_recipients.c.forkout_id == forkout_id
                )
            )
            .scalars()
            .all()
        )
    )
    assert sorted(sent_to) == sorted(target["member_ids"])
    [row] = crew.read(lambda c: list_scheduled(c, crew.lena, include_done=True))["items"]
    assert row["state"] == "sent" and row["sent_forkout_id"] == forkout_id


def test_a_scheduled_forkout_needs_people_and_a_time_only(crew: Crew) -> None:
    at = crew.clock.now() + timedelta(hours=2)
    with pytest.raises(InvalidInput):
        crew.do(
            lambda tx: scheduled.schedule_message(
                tx, crew.lena, body="x", forkout={"member_ids": []}, send_at=at
            )
        )
    with pytest.raises(InvalidInput):
        crew.do(
            lambda tx: scheduled.schedule_message(
                tx, crew.lena, body="x", forkout={"member_ids": [crew.ana.member_id]}
            )
        )
    with pytest.raises(InvalidInput):
        crew.do(
            lambda tx: scheduled.schedule_message(
                tx,
                crew.lena,
                body="x",
                forkout={"member_ids": [crew.ana.member_id]},
                send_at=at,
                at_recipient_day=True,
            )
        )
