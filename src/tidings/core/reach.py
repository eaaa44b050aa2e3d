"""The reply preview's line for one recipient, before sending: why they would or would
not hear of the message now, and until when.

The line names what actually holds the message back, the notification decision's code:
a status the person set (focus, away, out of office) is said as such with its end on
the sender's clock ("Ana is in focus until 08:55 your time"), because the sender chose
to wait for it; time off the schedule (outside working hours, a holiday, an absence)
ends on the recipient's clock and names their city ("Ana is off until 09:00 Lisbon").
When a status ends outside working hours the line goes on with what follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from tidings.core.availability import AVAILABLE, AWAY, FOCUS, OUT_OF_OFFICE, Status
from tidings.core.notify import DIGEST, HOLD, HOLIDAY, NOW, Decision

_STATUS_WORDS = {FOCUS: "in focus", AWAY: "away", OUT_OF_OFFICE: "out of office"}


@dataclass(frozen=True)
class Viewpoint:
    """The recipient's zone and the sender's, and the moment of the preview."""

    zone: str
    sender_zone: str
    now: datetime

    def theirs(self, moment: datetime) -> str:
        city = self.zone.rsplit("/", 1)[-1].replace("_", " ")
        return f"{clock(moment, self.zone, self.now)} {city}"

    def yours(self, moment: datetime) -> str:
        return f"{clock(moment, self.sender_zone, self.now)} your time"


def clock(moment: datetime, zone: str, now: datetime) -> str:
    """ "14:05" on that zone's today, else with the weekday: "Tue 14:05"."""
    local = moment.astimezone(ZoneInfo(zone))
    if local.date() == now.astimezone(ZoneInfo(zone)).date():
        return local.strftime("%H:%M")
    return local.strftime("%a %H:%M")


def reach_line(
    name: str, decision: Decision, status: Status, view: Viewpoint, due: datetime | None
) -> str:
    """One line: "Ana is in focus until 08:55 your time · expect a reply by 11:00 your
    time"."""
    first = name.split()[0]
    said = f"{first} {_reach(decision, status, view)}"
    if due is not None:
        said += f" · expect a reply by {view.yours(due)}"
    return said


def _reach(decision: Decision, status: Status, view: Viewpoint) -> str:
    in_force = status.at(view.now)
    if decision.action == HOLD and decision.until is not None:
        return _held(decision.code, decision.until, status, in_force, view)
    if decision.action == NOW:
        local = view.now.astimezone(ZoneInfo(view.zone)).strftime("%H:%M")
        if in_force != AVAILABLE:
            return f"{_status(status, in_force, view)}; urgent, so notified now"
        city = view.zone.rsplit("/", 1)[-1].replace("_", " ")
        return f"is working ({local} {city})"
    if decision.action == DIGEST:
        return "will see it in their digest"
    return "is not notified"


def _held(code: str, until: datetime, status: Status, in_force: str, view: Viewpoint) -> str:
    if code == in_force and code in _STATUS_WORDS:
        said = _status(status, in_force, view, reachable=until)
        if status.until is not None and until > status.until:
            said += f", then off until {view.theirs(until)}"
        return said
    if code == HOLIDAY:
        return f"is on holiday until {view.theirs(until)}"
    if code == OUT_OF_OFFICE:
        return f"is out of office until {view.theirs(until)}"
    return f"is off until {view.theirs(until)}"


def _status(
    status: Status, in_force: str, view: Viewpoint, reachable: datetime | None = None
) -> str:
    words = _STATUS_WORDS[in_force]
    if status.until is not None:
        return f"is {words} until {view.yours(status.until)}"
    if reachable is not None:
        return f"is {words} until the next working period, {view.theirs(reachable)}"
    return f"is {words}"
