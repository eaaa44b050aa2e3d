"""Reply expectations: who owes a reply, by when, and what settles it.

An expectation is owed by a *debtor* to a *creditor* (the author of the message).
It comes from an explicit ask, from a new topic in a channel with a response
expectation (owed by its responders), or from a direct message that asks something
(:func:`expects_reply`; owed by each other participant, within their own DM reply
window) and does not itself settle a reply its author owed there. Its due time counts from
when the debtor could first see the message, in the debtor's working time, unless
the ask names a deadline. It is met by the debtor's reply in the same topic or
conversation, by an acknowledging reaction, by watching the message's clip to the
end (note "watched"), or by "done"; "decline" closes it
with a note. At the due time the debtor is nudged; if it is still open one
working hour (theirs) later, it is breached and the creditor is told.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tidings.core.context import own_words
from tidings.core.worktime import Schedule, add_working_time
from tidings.errors import InvalidInput

OPEN = "open"
MET = "met"
DECLINED = "declined"
BREACHED = "breached"
# Closed because the debtor can no longer read the message (removed from its channel,
# deactivated, made a guest) or can no longer reply there (the channel was archived).
CANCELLED = "cancelled"
STATES = (OPEN, MET, DECLINED, BREACHED, CANCELLED)
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
# The note on an expectation met by watching the message's clip to the end.
WATCHED = "watched"
# What watching settles: the debtor's own asks and direct-message replies, not a
# channel's expectation that a responder answers a new topic.
SETTLED_BY_WATCHING = (ASK, DM)


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


# --- does a direct message expect a reply? ---------------------------------------------
#
# A direct message expects a reply only when it asks something: a question (with or
# without its "?"), an explicit request ("can you…", "please send…", "let me know…"),
# or an order in the imperative ("send me…", "review #512"). Answers, thanks,
# acknowledgements, FYIs and links do not. Each sentence is read on its own, in the
# author's own words (no code, quotes or URLs); one asking sentence is enough. Measured
# on the labelled sets in tests/core (see docs/architecture.md).

_SENTENCE = re.compile(r"[^.!?:;\n—–]+[.!?:;\n—–]*")
_LEAD = re.compile(
    r"^(?:(?:hi|hey|hello|ok|okay|so|and|but|also|oh|ah|well|yes|yeah|yep|no|sure|thanks"
    r"|great|cool|nice|btw|quick (?:q|question|check)|one more thing|sorry)\b[\s,!]*)+",
    re.IGNORECASE,
)
_RHETORICAL = re.compile(
    r"^(?:(?:can|could) you (?:believe|imagine)|who knew|who cares|guess what|why not\b.*!)",
    re.IGNORECASE,
)
_SUBJECT = (
    r"(?:you|u|we|i|it|they|he|she|there|this|that|these|those|the|our|your|my"
    r"|anyone|anybody|someone|somebody|everyone|[A-Z][a-z]+)"
)
_AUX_QUESTION = re.compile(
    rf"^(?:are|is|was|were|do|does|did|have|has|had|can|could|would|will|should|shall|may"
    rf"|might|must|am|isn'?t|aren'?t|don'?t|doesn'?t|didn'?t|won'?t|wouldn'?t|can'?t"
    rf"|couldn'?t|shouldn'?t|haven'?t|hasn'?t)\s+{_SUBJECT}\b",
)
_WH_QUESTION = re.compile(
    r"^(?:what|what's|whats|where|where's|when|when's|why|how|how's|who|who's|which|whose)\b",
    re.IGNORECASE,
)
_ASKING = re.compile(
    r"\b(?:can|could|would|will) (?:you|u|someone|somebody|one of you|y'?all|you all|you both)\b"
    r"(?! (?:believe|imagine)\b)"
    r"|\bwould you mind\b|^mind \w+ing\b|\bany chance\b"
    r"|\b(?:i|we) need (?:you|someone|somebody|one of you) to\b"
    r"|\bneed (?:your|some) (?:review|input|approval|sign-?off|ok|okay|go-?ahead|decision"
    r"|help|feedback)\b"
    r"|\b(?:would|'d) (?:love|appreciate) (?:your|a|some|it if)\b"
    r"|\b(?:i was |i'm |i am )?wondering (?:if|whether)\b"
    r"|\bcurious (?:what|how|if|whether|about)\b"
    r"|\b(?:let me know|lmk|keep me (?:posted|updated|in the loop)|get back to me"
    r"|tell me|remind me|ping me|give me a (?:shout|call|ping)|fill me in|loop me in)\b"
    r"|^any (?:idea|ideas|news|update|updates|thoughts|feedback|luck|progress|word)\b"
    r"|\bplease\b|\bpls\b|\bplz\b|\bkindly\b",
    re.IGNORECASE,
)
# "Let me know if you need anything": an offer, not a request.
_OFFER = re.compile(
    r"\b(?:let me know|lmk|tell me|ping me|feel free|don'?t hesitate)\b[^.?!]*\bif\b\s*"
    r"(?:you (?:need|have|want|run into)|(?:i|we) can|there(?:'s| is| are) any|anything"
    r"|something|any (?:questions|issues|problems))",
    re.IGNORECASE,
)
_NOT_ASKING = re.compile(r"\bplease (?:don'?t|do not|ignore|disregard)\b", re.IGNORECASE)
_IMPERATIVE = re.compile(
    r"^(?:send|check|review|take a look|have a look|look at|fill(?: in| out)?|update|confirm"
    r"|share|approve|tell|give|ping|forward|add|sign|book|call|grab|reply|answer|decide"
    r"|schedule|submit|prepare|draft|merge|test|fix|comment|vote|read|sync|double-check"
    r"|find|figure out|get|make sure|remember to|don'?t forget to)\b(?!\s*[,.!]?\s*$)",
    re.IGNORECASE,
)


def expects_reply(body: str) -> bool:
    """Whether a direct message asks its reader something (see the comment above)."""
    return any(_asks(sentence) for sentence in _sentences(body))


def _sentences(body: str) -> list[str]:
    text = own_words(body)
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip(" .!?:;—–\n")]


def _asks(sentence: str) -> bool:
    words = _LEAD.sub("", sentence.strip()).strip(" ,—–-")
    if not words or _RHETORICAL.match(words) or _NOT_ASKING.search(words):
        return False
    if sentence.rstrip().endswith("?"):
        return True
    if _AUX_QUESTION.match(words[0].lower() + words[1:]) or _WH_QUESTION.match(words):
        return True
    rest = _OFFER.sub(" ", words)
    return bool(_ASKING.search(rest) or _IMPERATIVE.match(rest))


def no_access_note(debtor_name: str) -> str:
    return f"{debtor_name} no longer has access"


def archived_note(channel_name: str) -> str:
    return f"#{channel_name} was archived"
