"""Request and response bodies; the OpenAPI document is generated from these."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tidings.store.types import MAX_ID

Role = Literal["owner", "admin", "member", "guest"]
Kind = Literal["discussion", "announcements", "watercooler", "support"]
Priority = Literal["normal", "high", "urgent"]


# Ids in bodies stay within what every JSON parser holds exactly (I-JSON, RFC 7493):
# past that a client's 2**63 - 1 may arrive rounded up and fail to bind in SQL.
MAX_JSON_ID = 2**53 - 1
assert MAX_JSON_ID <= MAX_ID
Id = Annotated[int, Field(ge=1, le=MAX_JSON_ID)]
# Text that must say something: one character that is not white space, as ``str.strip``
# sees it (hence Python's regular expressions, not the default engine's).
NOT_BLANK = r"\S"
# The rules of ``core.names``, which trims, drops leading "#" or "@" and lowercases
# (the Kelvin sign, U+212A, is the one letter outside ASCII that lowercases into it).
EMAIL = r"^\s*[^@\s]{1,64}@[^@\s]+\.[^@\s]+\s*$"
CHANNEL_NAME = r"^\s*#*[a-zA-Z0-9\u212a][a-zA-Z0-9\u212a_-]{0,79}\s*$"
HANDLE = r"^\s*@*[a-zA-Z0-9\u212a](?:[a-zA-Z0-9\u212a._-]{0,78}[a-zA-Z0-9\u212a_-])?\s*$"

_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}")


def _iso_only(value: Any) -> Any:
    """Pydantic would read a bare number ("0", "0.5") as seconds since 1970; the API
    takes only what its document says, an ISO 8601 date-time."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATETIME.match(value)):
        return value
    raise ValueError("must be an ISO 8601 datetime with an offset, e.g. 2026-03-01T09:00Z")


# ISO 8601 with an offset; strict mode would refuse the string form JSON carries.
When = Annotated[AwareDatetime, Field(strict=False), BeforeValidator(_iso_only)]


def _integral_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    return value


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, regex_engine="python-re")

    @model_validator(mode="before")
    @classmethod
    def _integral_numbers(cls, data: Any) -> Any:
        """JSON has one number type: 3.0 is the integer 3 to JSON Schema, so to us too.
        No request field is a float, so this never changes a value's meaning."""
        return _integral_floats_as_ints(data)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """PostgreSQL text cannot hold NUL; refuse it on SQLite too, so both behave alike."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL (\\x00) characters")
        if isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("must be valid Unicode (no lone surrogates)") from None
        return value


class LoginIn(In):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)
    workspace: str | None = Field(None, description="Workspace slug, if the e-mail has several")


class TokenIn(In):
    name: str = Field("api", max_length=120)
    days: int | None = Field(
        None, ge=1, le=3650, description="Lifetime in days; none for no expiry"
    )


class InvitationIn(In):
    role: Literal["admin", "member", "guest"] = "member"
    email: str | None = Field(None, max_length=254, pattern=EMAIL)
    hours: int | None = Field(None, ge=1, le=24 * 90)


class AcceptIn(In):
    token: str = Field(max_length=200)
    email: str = Field(max_length=254, pattern=EMAIL)
    display_name: str = Field(min_length=1, max_length=120, pattern=NOT_BLANK)
    password: str = Field(max_length=1024)
    time_zone: str = Field("UTC", max_length=64)


class ProfileIn(In):
    display_name: str | None = Field(None, min_length=1, max_length=120, pattern=NOT_BLANK)
    time_zone: str | None = Field(None, max_length=64)
    title: str | None = Field(None, max_length=120)
    password: str | None = Field(None, max_length=1024)
    current_password: str | None = Field(
        None, max_length=1024, description="Required to change the password"
    )


class MemberIn(In):
    email: str = Field(max_length=254, pattern=EMAIL)
    display_name: str = Field(min_length=1, max_length=120, pattern=NOT_BLANK)
    password: str | None = Field(None, max_length=1024)
    role: Literal["admin", "member", "guest"] = "member"
    time_zone: str = Field("UTC", max_length=64)


class RoleIn(In):
    role: Role


class ChannelIn(In):
    name: str = Field(max_length=80, pattern=CHANNEL_NAME)
    purpose: str = Field("", max_length=500)
    kind: Kind = "discussion"
    is_private: bool = False
    member_ids: list[Id] = Field(default_factory=list, max_length=1000)


class ChannelPatch(In):
    name: str | None = Field(None, max_length=80, pattern=CHANNEL_NAME)
    purpose: str | None = Field(None, max_length=500)
    kind: Kind | None = None
    is_archived: bool | None = None


class MembersIn(In):
    member_ids: list[Id] = Field(min_length=1, max_length=1000)


class PosterIn(In):
    can_post_topics: bool


class MuteIn(In):
    muted: bool


class AskIn(In):
    member_id: Id
    deadline: When | None = Field(
        None, description="When the reply is due; without one, the reply window applies"
    )


class AttachmentIn(In):
    upload_id: Id
    alt_text: str = Field("", max_length=1000, description="Describes an image for screen readers")


Attachments = Field(
    default_factory=list,
    max_length=10,
    description="Finished uploads to attach: upload ids, or {upload_id, alt_text}",
)


def _text_unless_files(body: str, info: ValidationInfo) -> str:
    """A message needs text, unless it carries files."""
    if not body.strip() and not info.data.get("attachments"):
        raise ValueError("Write something, or attach a file")
    return body


class MessageIn(In):
    attachments: list[Id | AttachmentIn] = Attachments
    body: str = Field(
        "", validate_default=True, description="The text; may be empty when files are attached"
    )
    _body_or_files = field_validator("body")(_text_unless_files)
    priority: Priority = "normal"
    reply_to_id: Id | None = None
    quote_of_id: Id | None = None
    asks: list[AskIn] = Field(
        default_factory=list, max_length=50, description="Members expected to reply"
    )
    expires_in_minutes: int | None = Field(
        None,
        ge=1,
        le=43_200,
        description="Self-destruct this many minutes after sending (1 minute to 30 days)",
    )
    expire_after_read: bool = Field(
        False, description="Self-destruct once every recipient has read it"
    )
    clip_file_id: Id | None = Field(
        None, description="Pin the message to a moment of this clip (audio or video file) here"
    )
    clip_at_ms: int | None = Field(
        None, description="The moment, in milliseconds from the clip's start (with clip_file_id)"
    )


class TopicIn(MessageIn):
    title: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK)


class TopicPatch(In):
    title: str | None = Field(None, max_length=200)
    is_resolved: bool | None = None


class SubscriptionIn(In):
    state: Literal["following", "muted", "none"]


class MessagePatch(In):
    body: str = Field(min_length=1, pattern=NOT_BLANK)
    expires_in_minutes: int | None = Field(
        None, description="Only to repeat the message's expiry: an edit cannot change it"
    )
    expire_after_read: bool | None = Field(
        None, description="Only to repeat the message's expiry: an edit cannot change it"
    )


class ConversationIn(In):
    member_ids: list[Id] = Field(max_length=16)


class GroupIn(In):
    handle: str = Field(max_length=80, pattern=HANDLE)
    name: str = Field(max_length=120)
    description: str = Field("", max_length=500)
    member_ids: list[Id] = Field(default_factory=list, max_length=1000)


class GroupPatch(In):
    name: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=500)
    add: list[Id] = Field(default_factory=list, max_length=1000)
    remove: list[Id] = Field(default_factory=list, max_length=1000)


def _exactly_one_of(*names: str) -> dict[str, Any]:
    """JSON Schema for "exactly one of these is given" (null and false count as not)."""
    branches = [{"required": [name], "properties": {name: {"type": "integer"}}} for name in names]
    return {"oneOf": [*branches, {"required": ["all"], "properties": {"all": {"const": True}}}]}


class ReadIn(In):
    model_config = ConfigDict(
        json_schema_extra=_exactly_one_of("message_id", "topic_id", "channel_id", "conversation_id")
    )

    message_id: Id | None = None
    topic_id: Id | None = None
    channel_id: Id | None = None
    conversation_id: Id | None = None
    all: bool = False


# Response shapes, for the OpenAPI document.


class FieldError(BaseModel):
    field: str = Field(description='Where, as a dotted path: "asks.0.deadline", "limit"')
    message: str


class Problem(BaseModel):
    """An error, as ``application/problem+json`` (RFC 9457) with a stable ``code``."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="https://tidings.dev/problems/<code>")
    title: str
    status: int
    code: str = Field(description="Stable: clients may rely on it")
    detail: str
    field: str | None = Field(None, description="The input at fault, when there is one")
    errors: list[FieldError] | None = Field(
        None, description="On request validation (code invalid_input): each field at fault"
    )
    retry_after: int | None = Field(
        None, description="On 429: seconds to wait, as in the Retry-After header"
    )


class Member(BaseModel):
    id: int
    handle: str
    display_name: str
    email: str
    role: Role
    time_zone: str
    title: str
    is_active: bool


class Channel(BaseModel):
    id: int
    name: str
    purpose: str
    kind: Kind
    is_private: bool
    is_archived: bool
    created_by: int
    created_at: str
    is_member: bool | None = None
    is_muted: bool | None = None


class Reaction(BaseModel):
    emoji: str
    count: int
    member_ids: list[int]


class Expectation(BaseModel):
    id: int
    message_id: int
    channel_id: int | None
    topic_id: int | None
    conversation_id: int | None
    debtor_id: int
    creditor_id: int
    kind: Literal["ask", "channel", "dm"]
    deadline: str | None
    due_at: str
    state: Literal["open", "met", "declined", "breached", "cancelled"]
    created_at: str
    nudged_at: str | None
    breached_at: str | None
    resolved_at: str | None
    resolved_by_message_id: int | None
    note: str
    topic_title: str | None = Field(None, description="In lists: the topic's title")
    excerpt: str | None = Field(None, description="In lists: the message's first 200 characters")


class ExpectationPage(BaseModel):
    items: list[Expectation]
    next_cursor: str | None


class LinkPreview(BaseModel):
    url: str = Field(description="The link as written in the message")
    title: str
    description: str
    site_name: str
    image_url: str | None = Field(
        None,
        description="The page's image as a small WebP, fetched and kept by this server "
        "(authenticated, like downloads); never the linked site's own address",
    )
    image_width: int | None = None
    image_height: int | None = None


class ClipViewCounts(BaseModel):
    watched: int = Field(description="Readers (not the author) who started it")
    finished: int = Field(description="Readers who reached its end")
    audience: int = Field(description="Who may read its message now, except its author")


class ClipProgress(BaseModel):
    position_ms: int = Field(description="Where to resume")
    furthest_ms: int
    completed: bool


class ClipProgressIn(In):
    position_ms: int = Field(description="Where the player is, in ms; clamped to the clip's length")
    ended: bool = Field(False, description="The player reached the end")


class ClipViewer(BaseModel):
    member_id: int
    started_at: str
    last_watched_at: str
    furthest_ms: int
    completed_at: str | None


class ClipViews(ClipViewCounts):
    file_id: int
    message_id: int
    my_progress: ClipProgress
    viewers: list[ClipViewer] | None = Field(
        description="Each viewer, for the author and the channel's members; null for others"
    )


class Attachment(BaseModel):
    id: int
    message_id: int
    filename: str
    size: int
    content_type: str = Field(description="Detected from the bytes, never from the name")
    kind: Literal["image", "audio", "video", "file"]
    width: int | None
    height: int | None
    duration_ms: int | None = Field(None, description="Audio and video (clips)")
    alt_text: str
    url: str = Field(description="Download (authenticated; Range supported)")
    thumbnail_url: str | None
    has_thumbnail: bool
    views: ClipViewCounts | None = Field(
        None, description="Clips, in message lists: who of those who may read it watched"
    )
    my_progress: ClipProgress | None = Field(
        None, description="Clips, in message lists: where the reader is in it"
    )
    processing: Literal["pending", "ready", "failed"] = Field(
        "ready", description="Clips: pending until probed, postered and made playable"
    )
    poster_url: str | None = Field(None, description="A video's poster frame (JPEG)")
    playable_url: str | None = Field(
        None, description="Clips: the browser-playable rendition, or the original"
    )
    has_transcript: bool = False
    transcript_url: str | None = Field(None, description="Clips with a finished transcript")


class Message(BaseModel):
    id: int
    channel_id: int | None
    topic_id: int | None
    conversation_id: int | None
    author_id: int
    body: str
    html: str
    priority: Priority
    reply_to_id: int | None
    quote_of_id: int | None
    created_at: str
    edited_at: str | None
    deleted: bool
    reactions: list[Reaction]
    expires_at: str | None = Field(None, description="When it self-destructs, if timed")
    expire_after_read: bool = Field(False, description="Self-destructs once all have read it")
    expired: bool = Field(False, description="It self-destructed: its text is gone")
    previews: list[LinkPreview] = Field(
        default_factory=list, description="Previews of its web links, once fetched"
    )
    attachments: list[Attachment] = Field(default_factory=list)
    clip_file_id: int | None = Field(None, description="A comment pinned to a moment of this clip")
    clip_at_ms: int | None = Field(None, description="The moment, in ms from the clip's start")
    clip_filename: str | None = Field(None, description="The clip's file name, in message lists")
    expectations: list[Expectation] | None = Field(
        None, description="On a newly sent message: the replies it expects"
    )


class Topic(BaseModel):
    id: int
    channel_id: int
    title: str
    is_resolved: bool
    created_by: int
    created_at: str
    last_message_id: int | None
    last_message_at: str | None
    message_count: int
    unread: int | None = None
    subscription: Literal["following", "muted", "none"] | None = None


class TopicCreated(Topic):
    first_message: Message


class Conversation(BaseModel):
    id: int
    kind: Literal["dm", "group"]
    member_ids: list[int]
    created_at: str
    last_message_id: int | None
    last_message_at: str | None


class Group(BaseModel):
    id: int
    handle: str
    name: str
    description: str
    member_ids: list[int]


class Token(BaseModel):
    id: str = Field(description="The token's random public id (not its secret)")
    name: str
    kind: Literal["login", "api"]
    created_at: str
    expires_at: str | None
    revoked_at: str | None


class NewToken(Token):
    token: str = Field(description="The secret; shown only now")


class LoginOut(NewToken):
    member_id: int
    workspace: str


class MessagePage(BaseModel):
    items: list[Message]
    next_cursor: str | None


class TopicPage(BaseModel):
    items: list[Topic]
    next_cursor: str | None


class FirstUnread(BaseModel):
    id: int
    author_id: int
    snippet: str = Field(
        description="The message's first words as plain text (Markdown rendered to "
        "text, at most 140 characters); empty for a deleted or expired message"
    )


class InboxEntry(BaseModel):
    kind: Literal["topic", "conversation"]
    unread: int
    mentions: int
    priority: Priority
    oldest_unread_at: str | None
    first_unread_id: int
    topic_id: int | None = None
    title: str | None = None
    channel_id: int | None = None
    channel_name: str | None = None
    conversation_id: int | None = None
    first_unread: FirstUnread | None = Field(
        None, description="Who wrote the first unread message, and its first words"
    )


class Inbox(BaseModel):
    items: list[InboxEntry]
    total_unread: int
    total_mentions: int


class SearchHit(BaseModel):
    message: Message
    snippet: str = Field(description="HTML-escaped text with <mark> around matches")
    topic_title: str | None
    channel_name: str | None
    file_id: int | None = Field(
        None, description="The clip whose transcript matched, if the match was spoken"
    )
    clip_at_ms: int | None = Field(
        None, description="Where in that clip the first matching segment starts"
    )


class TranscriptSegment(BaseModel):
    start_ms: int
    end_ms: int
    text: str


class Transcript(BaseModel):
    state: Literal["pending", "done", "failed", "none"]
    engine: str
    language: str
    text: str
    segments: list[TranscriptSegment]


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None


Week = dict[str, list[list[str]]]


class HoursIn(In):
    working_hours: Week | None = Field(
        None, description='Weekly working hours, local time: {"mon": [["09:00", "17:00"]], …}'
    )
    office_hours: Week | None = Field(None, description="When you are happy to be reached live")
    holidays: list[str] | None = Field(None, max_length=400, description="ISO dates")
    dm_reply_minutes: int | None = Field(
        None, description="Working minutes within which you aim to answer direct messages"
    )


class StatusIn(In):
    state: Literal["available", "focus", "away", "out_of_office"]
    until: When | None = None
    text: str = Field("", max_length=120)
    emoji: str = Field("", max_length=32)


class AbsenceIn(In):
    starts_at: When
    ends_at: When
    note: str = Field("", max_length=200)


class DeclineIn(In):
    # Documented only: the action refuses a blank note with a reason people can act on.
    note: str = Field(max_length=500, json_schema_extra={"minLength": 1, "pattern": NOT_BLANK})


class ResponseIn(In):
    response_minutes: int | None = Field(
        None, description="Working minutes within which a new topic expects a first reply"
    )
    allow_urgent: bool = False
    urgent_budget: int = Field(3, ge=0, le=50, description="Urgent messages per sender per day")
    responder_ids: list[Id] = Field(default_factory=list, max_length=100)
    responder_group_ids: list[Id] = Field(default_factory=list, max_length=20)


class ContextCheckIn(In):
    body: str = Field(max_length=100_000)
    priority: Priority = "normal"
    asks: list[AskIn] = Field(default_factory=list, max_length=50)
    has_attachment: bool = False


class Finding(BaseModel):
    code: Literal[
        "NO_HELLO", "NO_DEADLINE", "VAGUE_ASK", "MISSING_LINK", "URGENT_NO_REASON", "NO_SUMMARY"
    ]
    message: str
    suggestion: str


class ContextCheck(BaseModel):
    findings: list[Finding]


class PreviewIn(In):
    topic_id: Id | None = None
    conversation_id: Id | None = None
    channel_id: Id | None = Field(None, description="For a new topic in this channel")
    member_ids: list[Id] = Field(
        default_factory=list, max_length=8, description="For a new direct message"
    )
    priority: Priority = "normal"
    body: str = Field("", max_length=100_000)
    asks: list[AskIn] = Field(default_factory=list, max_length=50)


class ForkoutIn(In):
    attachments: list[Id | AttachmentIn] = Attachments
    body: str = Field(description="The text; may be empty when files are attached")
    _body_or_files = field_validator("body")(_text_unless_files)
    member_ids: list[Id] = Field(default_factory=list, max_length=200)
    group_ids: list[Id] = Field(default_factory=list, max_length=50)
    priority: Priority = "normal"


class FollowUpIn(In):
    body: str = Field(min_length=1, pattern=NOT_BLANK)


# Respond later and scheduled send.


class LaterIn(In):
    remind: str | None = Field(
        None,
        max_length=64,
        description='When to be reminded: working time from now ("3h", "90m"), "next_day" '
        '(your next working day\'s start), "next_week", or an ISO datetime with an offset; '
        "null for no reminder",
    )


class LaterMark(BaseModel):
    id: int
    message_id: int
    remind_at: str | None
    reminded_at: str | None
    created_at: str
    cleared_at: str | None
    cleared_reason: str | None


class LaterItem(LaterMark):
    author_id: int
    channel_id: int | None
    topic_id: int | None
    topic_title: str | None
    conversation_id: int | None
    excerpt: str


class LaterList(BaseModel):
    items: list[LaterItem]


class ForkoutTarget(In):
    member_ids: list[Id] = Field(default_factory=list, max_length=200)
    group_ids: list[Id] = Field(default_factory=list, max_length=50)


class ScheduledIn(In):
    forkout: ForkoutTarget | None = Field(
        None, description="Send it as a forkout to these people and groups instead"
    )
    topic_id: Id | None = None
    conversation_id: Id | None = None
    member_ids: list[Id] = Field(
        default_factory=list, max_length=8, description="Opens (or finds) the DM with them"
    )
    body: str = Field(min_length=1, pattern=NOT_BLANK)
    priority: Priority = "normal"
    asks: list[AskIn] = Field(default_factory=list, max_length=50)
    send_at: When | None = None
    at_recipient_day: bool = Field(
        False, description="One-to-one DMs: at the start of the recipient's working day"
    )
    attachments: list[Id | AttachmentIn] = Attachments


class ScheduledPatch(In):
    body: str | None = Field(None, min_length=1, pattern=NOT_BLANK)
    send_at: When | None = None


class ScheduledMessage(BaseModel):
    id: int
    author_id: int
    topic_id: int | None
    conversation_id: int | None
    body: str
    priority: Priority
    asks: list[dict[str, Any]]
    send_at: str
    at_recipient_day: bool
    state: Literal["scheduled", "sent", "cancelled", "failed"]
    sent_message_id: int | None
    forkout_member_ids: list[int] | None = None
    sent_forkout_id: int | None = None
    error: str | None
    created_at: str
    updated_at: str


class ScheduledList(BaseModel):
    items: list[ScheduledMessage]


# --- catch-up and the daily digest -------------------------------------------------------


class CatchupMessage(BaseModel):
    id: int
    author_id: int
    author_name: str
    topic_id: int | None
    conversation_id: int | None
    priority: Priority
    created_at: str
    excerpt: str
    expectation_id: int | None = None
    due_at: str | None = None


class ReactedMessage(CatchupMessage):
    reactions: int


class CatchupPerson(BaseModel):
    id: int
    display_name: str


class CatchupTopic(BaseModel):
    topic_id: int
    title: str
    channel_id: int
    channel_name: str
    message_count: int = Field(description="Messages by others since `since`")
    participants: list[CatchupPerson]
    most_reacted: ReactedMessage | None
    latest: CatchupMessage
    decisions: list[CatchupMessage] = Field(
        description='Messages saying "decided", "decision:", "agreed", "we will go with", '
        "or with a check mark from two people or more"
    )


class CatchupClip(BaseModel):
    file_id: int
    message_id: int
    author_id: int
    author_name: str
    topic_id: int | None
    conversation_id: int | None
    created_at: str
    filename: str
    kind: Literal["audio", "video"]
    duration_ms: int | None
    first_words: str = Field(description="The transcript's opening words, or empty")


class CatchupCounts(BaseModel):
    owed: int
    asks: int
    urgent: int
    mentions: int
    topics: int
    clips: int = 0


class Catchup(BaseModel):
    since: str
    until: str
    owed: list[Expectation]
    asks: list[CatchupMessage]
    urgent: list[CatchupMessage]
    mentions: list[CatchupMessage]
    topics: list[CatchupTopic]
    clips: list[CatchupClip] = Field(
        default_factory=list, description="Voice notes and video clips posted by others"
    )
    counts: CatchupCounts


class DigestPreferences(BaseModel):
    digest_time: str = Field(description='Local time, "HH:MM"')
    email_enabled: bool
    send_if_active: bool
    last_digest_at: str | None


class DigestPreferencesIn(In):
    digest_time: str | None = Field(
        None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description='Local time, "HH:MM"'
    )
    email_enabled: bool | None = None
    send_if_active: bool | None = None


# --- shapes of the smaller answers ------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    database: str
    node: str = Field(description="Which server process answered: host:pid")
    wakeups: Literal["redis", "postgresql", "local", "none"] = Field(
        description="How this process learns of other processes' commits"
    )


class Invitation(BaseModel):
    id: int
    token: str = Field(description="The secret; shown only now")
    role: Literal["admin", "member", "guest"]
    email: str | None
    expires_at: str
    url: str


class Accepted(BaseModel):
    member: Member
    token: str
    workspace: str


class StatusView(BaseModel):
    state: Literal["available", "focus", "away", "out_of_office"]
    until: str | None
    text: str
    emoji: str


class Absence(BaseModel):
    id: int
    starts_at: str
    ends_at: str
    note: str


class Availability(BaseModel):
    member_id: int
    time_zone: str
    working_hours: Week
    office_hours: Week
    holidays: list[str]
    dm_reply_minutes: int | None
    status: StatusView
    absences: list[Absence]
    working_now: bool
    next_working_start: str | None


class Notification(BaseModel):
    id: int
    kind: str
    message_id: int | None
    expectation_id: int | None
    priority: Priority
    title: str
    action: str = Field(description="now, hold or digest")
    code: str
    reason: str
    deliver_at: str | None
    delivered_at: str | None
    seen_at: str | None
    created_at: str


class NotificationPage(BaseModel):
    items: list[Notification]
    next_cursor: str | None


class ChannelResponse(BaseModel):
    response_minutes: int | None
    allow_urgent: bool
    urgent_budget: int
    responder_ids: list[int]
    responder_group_ids: list[int]


class Notify(BaseModel):
    action: str
    at: str | None
    code: str
    reason: str


class PreviewRecipient(BaseModel):
    member_id: int
    display_name: str
    time_zone: str
    local_time: str
    working_now: bool
    status: str
    notify: Notify
    reply_by: str | None
    reply_by_their_time: str | None
    reply_by_your_time: str | None
    summary: str


class Preview(BaseModel):
    sender_zone: str
    recipients: list[PreviewRecipient]
    more: int = Field(description="Recipients not shown")
    findings: list[Finding]


class ForkoutRecipient(BaseModel):
    member_id: int
    conversation_id: int | None
    message_id: int | None
    notified_at: str | None
    read: bool
    replied_message_id: int | None
    followup_message_id: int | None


class Forkout(BaseModel):
    id: int
    body: str
    priority: Priority
    created_at: str
    followed_up_at: str | None
    recipients: list[ForkoutRecipient]
    replied: int
    read: int


class ChannelMember(BaseModel):
    member_id: int
    can_post_topics: bool


class MembersAdded(BaseModel):
    channel_id: int
    added: list[int]


class MembersRemoved(BaseModel):
    channel_id: int
    removed: list[int]


class Poster(BaseModel):
    channel_id: int
    member_id: int
    can_post_topics: bool


class Subscription(BaseModel):
    topic_id: int
    member_id: int
    state: Literal["following", "muted", "none"]


class Revision(BaseModel):
    body: str
    written_at: str


class ReactionChange(BaseModel):
    message_id: int
    member_id: int
    emoji: str
    channel_id: int | None
    topic_id: int | None
    conversation_id: int | None


class ReadMark(BaseModel):
    """What was marked read; the fields present depend on what was asked."""

    channel_id: int | None = None
    topic_id: int | None = None
    conversation_id: int | None = None
    up_to: int | None = Field(None, description="The last message now read")
    topics: int | None = Field(None, description="Topics marked read")
    conversations: int | None = Field(None, description="Conversations marked read")
    all: bool | None = None


# Files.


class UploadIn(In):
    filename: str = Field(max_length=1000)
    size: int | None = Field(
        None,
        ge=0,
        description="The file's exact length in bytes; leave it out when not known yet "
        "(a recording), and send Upload-Length with a later chunk",
    )
    sha256: str | None = Field(
        None, description="Hex SHA-256 of the bytes; if given, checked on completion"
    )


class Upload(BaseModel):
    id: int
    filename: str
    size: int | None = Field(description="Null while the length is deferred")
    length_deferred: bool
    offset: int = Field(description="Bytes received so far; the next chunk starts here")
    state: Literal["open", "complete"]
    sha256: str | None
    content_type: str | None
    kind: str | None
    width: int | None
    height: int | None
    duration_ms: int | None
    created_at: str
    expires_at: str


class AltTextIn(In):
    alt_text: str = Field(max_length=1000)


class FileLink(BaseModel):
    url: str = Field(description="Works without a token until expires_at")
    thumbnail_url: str | None
    poster_url: str | None = None
    playable_url: str | None = None
    transcript_url: str | None = None
    expires_at: str


class FilePage(BaseModel):
    items: list[Attachment]
    next_cursor: str | None


class ClipComments(BaseModel):
    items: list[Message] = Field(description="Readable comments on the clip, by moment")
