"""The notification policy: for one recipient and one event, notify now, hold until a
stated time, batch into the digest, or not notify at all, with a stable code and a
reason a person can read.

This is the product's promise made exact: nothing pings a person outside their working
hours or during focus unless it is urgent and the channel allows it. The rules, in
order, the first that decides wins:

1. **Own message.** The recipient wrote it: ``none`` (``own_message``).
2. **Relevance.** A DM (direct or group), a mention (by name or through a group), an
   ask naming the recipient, a reminder they asked for, or an escalation is *direct*.
   A message in a topic the recipient follows is *followed*. A muted topic or a muted
   channel silences what is not direct (``muted``); a mention in a muted channel still
   reaches them. Anything else: ``none`` (``not_relevant``).
3. **Followed topics.** A followed message that is not direct goes to the ``digest``
   (``followed_topic``) when its priority is normal; high (and urgent) ones go on as if
   they were direct.
4. **Urgent.** An urgent message where urgent is allowed (the event says the channel
   allows it; a DM always does) is delivered ``now`` whatever the recipient's hours or
   status (``urgent``); the reason names what it bypassed. Urgent where it is not
   allowed counts as high. The sender's daily urgent budget is enforced before sending,
   not here.
5. **Reachability.** Otherwise the message is delivered ``now`` (``working``) only if the
   recipient is *reachable*: working (:func:`~tidings.core.worktime.is_working`) and
   available (``status.at(now)``). Else it is held (``hold``) until the first instant
   after ``now`` at which they are reachable, :func:`first_reachable`:

   - a focus, away or out-of-office status ends at ``status.until``; the message then
     waits for the next working start from that end;
   - an away status without an end lasts until the start of the next working period
     that begins after ``now``: if they are working now, the rest of this period is
     skipped (they stepped away from it); if not, that is simply the next working start.
     Any other status without an end (not valid when set) is read the same way;
   - if no working time is found within :data:`~tidings.core.worktime.HORIZON`, the
     message goes to the ``digest`` (``no_working_hours``).

   The code of a hold names the first of these that applies at ``now``:
   ``out_of_office`` (the status, or an absence in the schedule), ``holiday`` (today is
   a holiday in the recipient's zone), ``focus``, ``away``, ``outside_hours``.

Reasons give times on the recipient's wall clock and name the IANA zone once, after
the last time: ``held: outside Ana's working hours until 09:00 Europe/Lisbon``. A time
on another local day than the recipient's today carries its weekday (``Mon 09:00``), and
one a week or more ahead its date (``Mon 2026-08-17 09:00``). When a status ends before
the recipient is reachable the reason goes on: ``held: Ana is in focus until 19:00,
then outside working hours until Tue 09:00 Europe/Berlin``; time off (out of office, a
holiday) that runs into off hours reads as one stretch until they are back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tidings.core.availability import AVAILABLE, AWAY, FOCUS, OUT_OF_OFFICE, STATUSES, Status
from tidings.core.worktime import (
    DAY_NAMES,
    HORIZON,
    Schedule,
    is_working,
    next_working_start,
    working_periods,
)
from tidings.errors import InvalidInput

NOW = "now"
HOLD = "hold"
DIGEST = "digest"
NONE = "none"
ACTIONS = (NOW, HOLD, DIGEST, NONE)

NORMAL, HIGH, URGENT = "normal", "high", "urgent"
PRIORITIES = (NORMAL, HIGH, URGENT)
FOLLOWING, MUTED = "following", "muted"
SUBSCRIPTIONS = (FOLLOWING, MUTED, "none")
MESSAGE, REMINDER, ESCALATION = "message", "reminder", "escalation"
KINDS = (MESSAGE, REMINDER, ESCALATION)

OWN_MESSAGE = "own_message"
NOT_RELEVANT = "not_relevant"
FOLLOWED_TOPIC = "followed_topic"
URGENT_CODE = "urgent"
WORKING = "working"
HOLIDAY = "holiday"
OUTSIDE_HOURS = "outside_hours"
NO_WORKING_HOURS = "no_working_hours"
# Hold codes, in the order in which the first that applies names a hold.
HOLD_CODES = (OUT_OF_OFFICE, HOLIDAY, FOCUS, AWAY, OUTSIDE_HOURS)
CODES = (
    OWN_MESSAGE,
    NOT_RELEVANT,
    MUTED,
    FOLLOWED_TOPIC,
    URGENT_CODE,
    WORKING,
    *HOLD_CODES,
    NO_WORKING_HOURS,
)

_FIRST_SPAN = timedelta(days=8)
_MOST_HOLDS = 3
_TIME_OFF = (OUT_OF_OFFICE, HOLIDAY)
_OFF = "outside working hours until"
_STATUS_WORDS = {OUT_OF_OFFICE: "out of office", FOCUS: "in focus", AWAY: "away"}
_BYPASSED = {
    OUT_OF_OFFICE: "out of office",
    HOLIDAY: "holiday",
    FOCUS: "focus",
    AWAY: "away status",
    OUTSIDE_HOURS: "working hours",
}


@dataclass(frozen=True)
class Recipient:
    member_id: int
    display_name: str  # used in reasons: "Ana"
    schedule: Schedule  # zone, working hours, holidays, absences (out of office included)
    status: Status

    def __post_init__(self) -> None:
        if self.status.state not in STATUSES:
            raise InvalidInput(f"status is one of {', '.join(STATUSES)}", field="status")


@dataclass(frozen=True)
class Event:
    author_id: int
    priority: str  # normal | high | urgent
    is_dm: bool = False  # a direct or group message to the recipient
    mentions_recipient: bool = False  # @name, or a group containing them
    asks_recipient: bool = False  # an explicit ask naming them
    subscription: str = "none"  # the recipient's topic state: following | muted | none
    channel_muted: bool = False
    urgent_allowed: bool = False  # the channel allows urgent (DMs always do)
    kind: str = MESSAGE  # message | reminder (a nudge the member asked for) | escalation

    def __post_init__(self) -> None:
        for field, value, allowed in (
            ("priority", self.priority, PRIORITIES),
            ("subscription", self.subscription, SUBSCRIPTIONS),
            ("kind", self.kind, KINDS),
        ):
            if value not in allowed:
                raise InvalidInput(f"{field} is one of {', '.join(allowed)}", field=field)

    @property
    def is_direct(self) -> bool:
        return (
            self.is_dm
            or self.mentions_recipient
            or self.asks_recipient
            or self.kind in (REMINDER, ESCALATION)
        )


@dataclass(frozen=True)
class Decision:
    action: str  # now | hold | digest | none
    until: datetime | None  # for a hold: when to deliver, aware UTC
    code: str  # one of CODES; stable, for machines
    reason: str  # for people


# Public functions


def decide(recipient: Recipient, event: Event, now: datetime) -> Decision:
    """Whether and when to notify ``recipient`` of ``event``; see the module docstring."""
    now = _utc(now)
    name = recipient.display_name
    if event.author_id == recipient.member_id:
        return Decision(NONE, None, OWN_MESSAGE, f"none: the message is {name}'s own")
    if not event.is_direct:
        indirect = _indirect(name, event)
        if indirect is not None:
            return indirect
    if event.priority == URGENT and (event.urgent_allowed or event.is_dm):
        return _urgent(recipient, now)
    return _when_reachable(recipient, now)


def first_reachable(recipient: Recipient, now: datetime) -> datetime | None:
    """The first instant from ``now`` on at which ``recipient`` is working and their
    status no longer holds notifications back (``now`` itself if it is one); ``None`` if
    there is none within the horizon."""
    now = _utc(now)
    holds = _holds(recipient, now)
    if holds is None:
        return None
    return holds[-1][1] if holds else now


# The rules


def _indirect(name: str, event: Event) -> Decision | None:
    """The decision for a message that is not direct, or None if it goes on as direct."""
    if event.subscription == MUTED:
        return Decision(NONE, None, MUTED, f"none: {name} muted this topic")
    if event.channel_muted:
        return Decision(NONE, None, MUTED, f"none: {name} muted this channel")
    if event.subscription != FOLLOWING:
        reason = f"none: not addressed to {name}, in a topic {name} does not follow"
        return Decision(NONE, None, NOT_RELEVANT, reason)
    if event.priority == NORMAL:
        return Decision(DIGEST, None, FOLLOWED_TOPIC, f"digest: a topic {name} follows")
    return None


def _urgent(recipient: Recipient, now: datetime) -> Decision:
    name = recipient.display_name
    cause = _cause(recipient, now, held=recipient.status.at(now) != AVAILABLE)
    if cause is None:
        return Decision(NOW, None, URGENT_CODE, f"now: urgent, and {name} is working")
    bypassed = _BYPASSED[cause[0]]
    return Decision(NOW, None, URGENT_CODE, f"now: urgent, bypassing {name}'s {bypassed}")


def _when_reachable(recipient: Recipient, now: datetime) -> Decision:
    name = recipient.display_name
    holds = _holds(recipient, now)
    if holds is None:
        reason = f"digest: {name} has no working hours ahead"
        return Decision(DIGEST, None, NO_WORKING_HOURS, reason)
    if not holds:
        return Decision(NOW, None, WORKING, f"now: {name} is working")
    return Decision(HOLD, holds[-1][1], holds[0][0], _hold_reason(recipient, holds, now))


# Reachability


def _holds(recipient: Recipient, now: datetime) -> list[tuple[str, datetime]] | None:
    """What keeps the recipient unreachable from ``now`` on, in turn, each with its end:
    empty if they are reachable now, None if they never are within the horizon.

    There are at most three (time off, then the status, then time off again): a status
    ends once and never returns, and each stretch off the schedule ends at a working
    instant. The walk is bounded by that rather than trusted to end.
    """
    status_end = _status_end(recipient, now)
    if status_end is None:
        return None
    holds: list[tuple[str, datetime]] = []
    t = now
    for _ in range(_MOST_HOLDS):
        cause = _cause(recipient, t, held=t < status_end)
        if cause is None:
            break
        code, by_status = cause
        end = status_end if by_status else next_working_start(t, recipient.schedule)
        if end is None:
            return None
        holds.append((code, end))
        t = end
    return holds


def _cause(recipient: Recipient, t: datetime, held: bool) -> tuple[str, bool] | None:
    """The first hold code that applies at ``t`` and whether it is the status (else the
    schedule); None when the recipient is reachable. ``held``: the status is in force."""
    schedule, state = recipient.schedule, recipient.status.state
    if held and state == OUT_OF_OFFICE:
        return OUT_OF_OFFICE, True
    working = is_working(t, schedule)
    if not working and any(start <= t < end for start, end in schedule.absences):
        return OUT_OF_OFFICE, False
    if not working and t.astimezone(schedule.tz).date() in schedule.holidays:
        return HOLIDAY, False
    if held:
        return state, True
    return None if working else (OUTSIDE_HOURS, False)


def _status_end(recipient: Recipient, now: datetime) -> datetime | None:
    """When the status in force at ``now`` stops holding notifications back (``now`` if
    none is); None if it never does within the horizon."""
    status = recipient.status
    if status.at(now) == AVAILABLE:
        return now
    if status.until is not None:
        return status.until.astimezone(UTC)
    return _next_period_start(recipient.schedule, now)


def _next_period_start(schedule: Schedule, now: datetime) -> datetime | None:
    """The start of the first working period that begins after ``now``."""
    if not is_working(now, schedule):
        return next_working_start(now, schedule)
    end = _period_end(schedule, now)
    return None if end is None else next_working_start(end, schedule)


def _period_end(schedule: Schedule, t: datetime) -> datetime | None:
    """The end of the working period holding ``t``, looking ever further ahead."""
    span = _FIRST_SPAN
    while span <= HORIZON:
        periods = working_periods(t, t + span, schedule)
        # A period ending exactly at the window's edge may go on past it.
        if periods[0][1] < t + span:
            return periods[0][1]
        span *= 2
    return None


# Reasons


def _hold_reason(recipient: Recipient, holds: list[tuple[str, datetime]], now: datetime) -> str:
    tz = recipient.schedule.tz
    today = now.astimezone(tz).date()
    parts: list[str] = []
    for index, (code, end) in enumerate(_stretches(holds)):
        parts.append(_phrase(recipient, code, _clock(end, tz, today), first=index == 0))
    return f"held: {', then '.join(parts)} {recipient.schedule.zone}"


def _stretches(holds: list[tuple[str, datetime]]) -> list[tuple[str, datetime]]:
    """Holds merged for reading: time off running into more time off is one stretch."""
    merged: list[tuple[str, datetime]] = []
    for code, end in holds:
        if merged and merged[-1][0] in _TIME_OFF and code in (*_TIME_OFF, OUTSIDE_HOURS):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((code, end))
    return merged


def _phrase(recipient: Recipient, code: str, until: str, first: bool) -> str:
    name = recipient.display_name
    if code == OUTSIDE_HOURS:
        return f"outside {name}'s working hours until {until}" if first else f"{_OFF} {until}"
    words = "on holiday" if code == HOLIDAY else _STATUS_WORDS[code]
    if not first:
        return f"{words} until {until}"
    if code == recipient.status.state and recipient.status.until is None:
        return f"{name} is {words} (no end set) until the next working period, {until}"
    return f"{name} is {words} until {until}"


def _clock(t: datetime, tz: ZoneInfo, today: date) -> str:
    local = t.astimezone(tz)
    days_ahead = (local.date() - today).days
    if days_ahead == 0:
        return f"{local:%H:%M}"
    weekday = DAY_NAMES[local.weekday()][:3]
    if 0 < days_ahead < 7:
        return f"{weekday} {local:%H:%M}"
    return f"{weekday} {local:%Y-%m-%d %H:%M}"


def _utc(t: datetime) -> datetime:
    if not isinstance(t, datetime) or t.utcoffset() is None:
        raise InvalidInput(f"Expected a timezone-aware datetime for now, not {t!r}", field="now")
    return t.astimezone(UTC)


def decide_early(member_id: int, display_name: str, event: Event) -> Decision | None:
    """The decision when it does not depend on the recipient's time: their own message,
    or one not addressed to them (muted, not followed, or followed at normal priority).
    None when it does, and ``decide`` needs their schedule and status: callers with many
    recipients load schedules only for those."""
    if event.author_id == member_id:
        return Decision(NONE, None, OWN_MESSAGE, f"none: the message is {display_name}'s own")
    if not event.is_direct:
        return _indirect(display_name, event)
    return None


def followers_may_be_notified(priority: str) -> bool:
    """Whether a message's followers (not addressed) can get more than the digest: only
    above normal priority (rule 3). Lets a sender skip loading a big topic's followers."""
    return priority != NORMAL
