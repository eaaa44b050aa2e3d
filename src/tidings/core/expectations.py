"""Reply expectations: who owes a reply, by when, and what settles it.

An expectation is owed by a *debtor* to a *creditor* (the author of the message).
It comes from an explicit ask, from a new topic in a channel with a response
expectation (owed by its responders), or from a direct message (owed by each
other participant, within their own DM reply window). Its due time counts from
when the debtor could first see the message, in the debtor's working time, unless
the ask names a deadline. It is met by the debtor's reply in the same topic or
conversation, by an acknowledging reaction, or by "done"; "decline" closes it
with a note. At the due time the debtor is nudged; if it is still open one
working hour (theirs) later, it is breached and the creditor is told.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tidings.core.worktime import Schedule, add_working_time
from tidings.errors import InvalidInput

OPEN = "open"
MET = "met"
DECLINED = "declined"
BREACHED = "breached"
STATES = (OPEN, MET, DECLINED, BREACHED)
ASK = "ask"
CHANNEL = "channel"
DM = "dm"
# A breached expectation can still be met: a late reply is better than none.
UNSETTLED = (OPEN, BREACHED)
BREACH_GRACE = timedelta(hours=1)
MAX_ASKS = 50
MAX_RESPONSE_MINUTES = 10 * 8 * 60
# Reactions that acknowledge, in their stored form (core/names.py: short names
# such as thumbs_up or white_check_mark arrive here as these emoji).
ACKNOWLEDGING = frozenset({"✅", "✔️", "☑️", "👍", "👌"})


def due_time(
    visible_at: datetime, window_minutes: int | None, deadline: datetime | None, schedule: Schedule
) -> datetime:
    """When the reply is due: the ask's deadline if it has one, otherwise the window
    counted in the debtor's working time from when they could first see the message."""
    if deadline is not None:
        return deadline
    if window_minutes is None:
        raise ValueError("an expectation needs a deadline or a window")
    return add_working_time(visible_at, timedelta(minutes=window_minutes), schedule)


def breach_time(due_at: datetime, schedule: Schedule) -> datetime:
    return add_working_time(due_at, BREACH_GRACE, schedule)


def check_deadline(deadline: datetime | None, now: datetime) -> None:
    if deadline is not None and deadline <= now:
        raise InvalidInput("The deadline is in the past; pick a time still to come", field="asks")


def check_response_minutes(minutes: int | None) -> int | None:
    if minutes is not None and not 15 <= minutes <= MAX_RESPONSE_MINUTES:
        raise InvalidInput(
            "A response expectation is 15 minutes to 80 working hours, or none",
            field="response_minutes",
        )
    return minutes


def acknowledges(emoji: str) -> bool:
    return emoji in ACKNOWLEDGING


def may_settle(state: str) -> bool:
    return state in UNSETTLED
