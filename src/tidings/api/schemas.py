"""Request and response bodies; the OpenAPI document is generated from these."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from tidings.store.types import MAX_ID

Role = Literal["owner", "admin", "member", "guest"]
Kind = Literal["discussion", "announcements", "watercooler", "support"]
Priority = Literal["normal", "high", "urgent"]


# Ids in bodies: past 64 bits a number fails to bind in SQL instead of finding nothing.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

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
    days: int | None = Field(None, description="Lifetime in days; none for no expiry")


class InvitationIn(In):
    role: Literal["admin", "member", "guest"] = "member"
    email: str | None = Field(None, max_length=254)
    hours: int | None = Field(None, ge=1, le=24 * 90)


class AcceptIn(In):
    token: str = Field(max_length=200)
    email: str = Field(max_length=254)
    display_name: str = Field(max_length=120)
    password: str = Field(max_length=1024)
    time_zone: str = Field("UTC", max_length=64)


class ProfileIn(In):
    display_name: str | None = Field(None, max_length=120)
    time_zone: str | None = Field(None, max_length=64)
    title: str | None = Field(None, max_length=120)
    password: str | None = Field(None, max_length=1024)
    current_password: str | None = Field(
        None, max_length=1024, description="Required to change the password"
    )


class MemberIn(In):
    email: str = Field(max_length=254)
    display_name: str = Field(max_length=120)
    password: str | None = Field(None, max_length=1024)
    role: Literal["admin", "member", "guest"] = "member"
    time_zone: str = Field("UTC", max_length=64)


class RoleIn(In):
    role: Role


class ChannelIn(In):
    name: str = Field(max_length=80)
    purpose: str = Field("", max_length=500)
    kind: Kind = "discussion"
    is_private: bool = False
    member_ids: list[Id] = Field(default_factory=list, max_length=1000)


class ChannelPatch(In):
    name: str | None = Field(None, max_length=80)
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
    deadline: Annotated[AwareDatetime, Field(strict=False)] | None = Field(
        None, description="When the reply is due; without one, the reply window applies"
    )


class MessageIn(In):
    body: str
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


class TopicIn(MessageIn):
    title: str = Field(max_length=200)


class TopicPatch(In):
    title: str | None = Field(None, max_length=200)
    is_resolved: bool | None = None


class SubscriptionIn(In):
    state: Literal["following", "muted", "none"]


class MessagePatch(In):
    body: str
    expires_in_minutes: int | None = Field(
        None, description="Only to repeat the message's expiry: an edit cannot change it"
    )
    expire_after_read: bool | None = Field(
        None, description="Only to repeat the message's expiry: an edit cannot change it"
    )


class ConversationIn(In):
    member_ids: list[Id] = Field(max_length=16)


class GroupIn(In):
    handle: str = Field(max_length=80)
    name: str = Field(max_length=120)
    description: str = Field("", max_length=500)
    member_ids: list[Id] = Field(default_factory=list, max_length=1000)


class GroupPatch(In):
    name: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=500)
    add: list[Id] = Field(default_factory=list, max_length=1000)
    remove: list[Id] = Field(default_factory=list, max_length=1000)


class ReadIn(In):
    message_id: Id | None = None
    topic_id: Id | None = None
    channel_id: Id | None = None
    conversation_id: Id | None = None
    all: bool = False


# Response shapes, for the OpenAPI document.


class Problem(BaseModel):
    type: str
    title: str
    status: int
    code: str
    detail: str


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
    id: int
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


class Inbox(BaseModel):
    items: list[InboxEntry]
    total_unread: int
    total_mentions: int


class SearchHit(BaseModel):
    message: Message
    snippet: str = Field(description="HTML-escaped text with <mark> around matches")
    topic_title: str | None
    channel_name: str | None


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None


Week = dict[str, list[list[str]]]
# ISO 8601 with an offset; strict mode would refuse the string form JSON carries.
When = Annotated[AwareDatetime, Field(strict=False)]


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
    note: str = Field(max_length=500)


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
    body: str
    member_ids: list[Id] = Field(default_factory=list, max_length=200)
    group_ids: list[Id] = Field(default_factory=list, max_length=50)
    priority: Priority = "normal"


class FollowUpIn(In):
    body: str


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
    body: str
    priority: Priority = "normal"
    asks: list[AskIn] = Field(default_factory=list, max_length=50)
    send_at: When | None = None
    at_recipient_day: bool = Field(
        False, description="One-to-one DMs: at the start of the recipient's working day"
    )


class ScheduledPatch(In):
    body: str | None = None
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


class CatchupCounts(BaseModel):
    owed: int
    asks: int
    urgent: int
    mentions: int
    topics: int


class Catchup(BaseModel):
    since: str
    until: str
    owed: list[Expectation]
    asks: list[CatchupMessage]
    urgent: list[CatchupMessage]
    mentions: list[CatchupMessage]
    topics: list[CatchupTopic]
    counts: CatchupCounts


class DigestPreferences(BaseModel):
    digest_time: str = Field(description='Local time, "HH:MM"')
    email_enabled: bool
    send_if_active: bool
    last_digest_at: str | None


class DigestPreferencesIn(In):
    digest_time: str | None = Field(None, max_length=5, description='Local time, "HH:MM"')
    email_enabled: bool | None = None
    send_if_active: bool | None = None
