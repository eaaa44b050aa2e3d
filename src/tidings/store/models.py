"""The schema. Every row belongs to one workspace (multi-tenant from day one).

Migrations in ``store/migrations`` are the source of truth for the database;
this metadata mirrors them and is what queries are written against.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

from tidings.store.types import Id, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _fk(target: str, **kwargs: object) -> ForeignKey:
    return ForeignKey(target, ondelete="CASCADE", **kwargs)  # type: ignore[arg-type]


workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Id, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("event_seq", Id, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("email", String(254), nullable=False),
    Column("handle", String(80), nullable=False),
    Column("display_name", String(120), nullable=False),
    Column("password_hash", String(200)),
    Column("role", String(16), nullable=False),
    Column("time_zone", String(64), nullable=False, server_default="UTC"),
    Column("title", String(120), nullable=False, server_default=""),
    Column("is_active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "email"),
    UniqueConstraint("workspace_id", "handle"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True),
    # Named by this random id everywhere outside the database (sequential ids are guessable).
    Column("public_id", String(32), nullable=False, unique=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("member_id", Id, _fk("members.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("email", String(254)),
    Column("role", String(16), nullable=False),
    Column("invited_by", Id, _fk("members.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("accepted_at", UTCDateTime),
    Column("accepted_by", Id, _fk("members.id")),
    Column("revoked_at", UTCDateTime),
)

user_groups = Table(
    "user_groups",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("handle", String(80), nullable=False),
    Column("name", String(120), nullable=False),
    Column("description", String(500), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "handle"),
)

user_group_members = Table(
    "user_group_members",
    metadata,
    Column("group_id", Id, _fk("user_groups.id"), primary_key=True),
    Column("member_id", Id, _fk("members.id"), primary_key=True, index=True),
)

channels = Table(
    "channels",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("name", String(80), nullable=False),
    Column("purpose", String(500), nullable=False, server_default=""),
    Column("kind", String(16), nullable=False),
    Column("is_private", Boolean, nullable=False),
    Column("is_archived", Boolean, nullable=False, server_default="0"),
    Column("created_by", Id, _fk("members.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_message_id", Id),
    Column("response_minutes", Integer),  # a working-time reply window for new topics
    Column("allow_urgent", Boolean, nullable=False, server_default=false()),
    Column("urgent_budget", Integer, nullable=False, server_default="3"),  # per sender per day
    UniqueConstraint("workspace_id", "name"),
)

channel_members = Table(
    "channel_members",
    metadata,
    Column("channel_id", Id, _fk("channels.id"), primary_key=True),
    Column("member_id", Id, _fk("members.id"), primary_key=True, index=True),
    Column("can_post_topics", Boolean, nullable=False, server_default="0"),
    Column("read_floor", Id, nullable=False, server_default="0"),
    Column("joined_at", UTCDateTime, nullable=False),
    Column("is_muted", Boolean, nullable=False, server_default=false()),
)

topics = Table(
    "topics",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("channel_id", Id, _fk("channels.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("title_key", String(200), nullable=False),
    Column("is_resolved", Boolean, nullable=False, server_default="0"),
    Column("created_by", Id, _fk("members.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_message_id", Id),
    Column("last_message_at", UTCDateTime),
    Column("message_count", Integer, nullable=False, server_default="0"),
    UniqueConstraint("channel_id", "title_key"),
    Index("ix_topics_channel_activity", "channel_id", "last_message_id"),
)

topic_subscriptions = Table(
    "topic_subscriptions",
    metadata,
    Column("topic_id", Id, _fk("topics.id"), primary_key=True),
    Column("member_id", Id, _fk("members.id"), primary_key=True, index=True),
    Column("state", String(16), nullable=False),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("member_key", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_message_id", Id),
    Column("last_message_at", UTCDateTime),
    Column("message_count", Integer, nullable=False, server_default="0"),
    UniqueConstraint("workspace_id", "member_key"),
)

conversation_members = Table(
    "conversation_members",
    metadata,
    Column("conversation_id", Id, _fk("conversations.id"), primary_key=True),
    Column("member_id", Id, _fk("members.id"), primary_key=True, index=True),
)

# Messages the Inbox looks at one by one: deleted, or above normal priority (few).
MARKED = text("(deleted_at IS NOT NULL OR priority <> 'normal')")

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("channel_id", Id, _fk("channels.id")),
    Column("topic_id", Id, _fk("topics.id")),
    Column("conversation_id", Id, _fk("conversations.id")),
    Column("author_id", Id, _fk("members.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("priority", String(8), nullable=False, server_default="normal"),
    Column("reply_to_id", Id, ForeignKey("messages.id", ondelete="SET NULL")),
    Column("quote_of_id", Id, ForeignKey("messages.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("edited_at", UTCDateTime),
    Column("deleted_at", UTCDateTime),
    # Self-destructing messages (actions/expiry.py): at a time, or once all have read it.
    Column("expires_at", UTCDateTime),
    Column("expire_after_read", Boolean, nullable=False, server_default=false()),
    Column("expired_at", UTCDateTime),
    # A comment pinned to a moment of a clip or voice note on an earlier message.
    Column("clip_file_id", Id),
    Column("clip_at_ms", Integer),
    # Its position in its topic or conversation, from 1: the place's ``message_count``
    # when it was sent. Unread counts are differences of positions (queries/inbox.py).
    Column("seq", Integer, nullable=False, server_default="0"),
    Index("ix_messages_topic", "topic_id", "id"),
    Index("ix_messages_expire_after_read", "expire_after_read", "expired_at"),
    Index("ix_messages_conversation", "conversation_id", "id"),
    Index("ix_messages_author", "author_id", "id"),
    Index("ix_messages_clip_file_id", "clip_file_id"),
    # What the Inbox subtracts from a place's count past a read pointer: the reader's
    # own messages, and the few deleted or high-priority ones.
    Index(
        "ix_messages_topic_author",
        "topic_id",
        "author_id",
        "id",
        sqlite_where=text("topic_id IS NOT NULL"),
        postgresql_where=text("topic_id IS NOT NULL"),
    ),
    Index(
        "ix_messages_conversation_author",
        "conversation_id",
        "author_id",
        "id",
        sqlite_where=text("conversation_id IS NOT NULL"),
        postgresql_where=text("conversation_id IS NOT NULL"),
    ),
    Index(
        "ix_messages_topic_marked",
        "topic_id",
        "id",
        sqlite_where=MARKED,
        postgresql_where=MARKED,
    ),
    Index(
        "ix_messages_conversation_marked",
        "conversation_id",
        "id",
        sqlite_where=MARKED,
        postgresql_where=MARKED,
    ),
)

message_edits = Table(
    "message_edits",
    metadata,
    Column("id", Id, primary_key=True),
    Column("message_id", Id, _fk("messages.id"), nullable=False, index=True),
    Column("editor_id", Id, _fk("members.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("replaced_at", UTCDateTime, nullable=False),
)

reactions = Table(
    "reactions",
    metadata,
    Column("message_id", Id, _fk("messages.id"), primary_key=True),
    Column("member_id", Id, _fk("members.id"), primary_key=True),
    Column("emoji", String(64), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

mentions = Table(
    "mentions",
    metadata,
    Column("message_id", Id, _fk("messages.id"), primary_key=True),
    Column("member_id", Id, _fk("members.id"), primary_key=True),
    Column("topic_id", Id, _fk("topics.id")),
    Column("conversation_id", Id, _fk("conversations.id")),
    Index("ix_mentions_member", "member_id", "message_id"),
    Index("ix_mentions_member_topic", "member_id", "topic_id", "message_id"),
    Index("ix_mentions_member_conversation", "member_id", "conversation_id", "message_id"),
)

topic_reads = Table(
    "topic_reads",
    metadata,
    Column("member_id", Id, _fk("members.id"), primary_key=True),
    Column("topic_id", Id, _fk("topics.id"), primary_key=True),
    Column("last_read_id", Id, nullable=False),
)

conversation_reads = Table(
    "conversation_reads",
    metadata,
    Column("member_id", Id, _fk("members.id"), primary_key=True),
    Column("conversation_id", Id, _fk("conversations.id"), primary_key=True),
    Column("last_read_id", Id, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("seq", Id, nullable=False),
    Column("type", String(64), nullable=False),
    Column("audience", String(16), nullable=False),
    Column("channel_id", Id),
    Column("member_ids", Text),
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "seq"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("member_id", Id, _fk("members.id"), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Timed work (see store/jobs.py). ``dedupe_key`` names one piece of work for
# good, so that enqueueing it again is a no-op; NULLs never collide.
jobs = Table(
    "jobs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id")),
    Column("kind", String(64), nullable=False),
    Column("dedupe_key", String(200), unique=True),
    Column("payload", Text, nullable=False),
    Column("run_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("max_attempts", Integer, nullable=False, server_default="5"),
    Column("lease_until", UTCDateTime),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
    Index("ix_jobs_state_run_at", "state", "run_at"),
)

# One row per member who changed anything from the defaults (see actions/availability.py).
member_availability = Table(
    "member_availability",
    metadata,
    Column("member_id", Id, _fk("members.id"), primary_key=True),
    Column("working_hours", Text, nullable=False),
    Column("office_hours", Text, nullable=False, server_default="{}"),
    Column("holidays", Text, nullable=False, server_default="[]"),
    Column("dm_reply_minutes", Integer, nullable=False, server_default="480"),
    Column("status", String(16), nullable=False, server_default="available"),
    Column("status_since", UTCDateTime),
    Column("status_until", UTCDateTime),
    Column("status_text", String(120), nullable=False, server_default=""),
    Column("status_emoji", String(32), nullable=False, server_default=""),
    Column("updated_at", UTCDateTime, nullable=False),
)

absences = Table(
    "absences",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("member_id", Id, _fk("members.id"), nullable=False, index=True),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("note", String(200), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

# A channel's responders: members, or groups resolved when a topic starts.
channel_responders = Table(
    "channel_responders",
    metadata,
    Column("channel_id", Id, _fk("channels.id"), nullable=False, index=True),
    Column("member_id", Id, _fk("members.id")),
    Column("group_id", Id, _fk("user_groups.id")),
)

# A reply owed: who (debtor) owes whom (creditor) a reply to which message, by when.
expectations = Table(
    "expectations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("message_id", Id, _fk("messages.id"), nullable=False),
    Column("channel_id", Id),
    Column("topic_id", Id),
    Column("conversation_id", Id),
    Column("debtor_id", Id, _fk("members.id"), nullable=False),
    Column("creditor_id", Id, _fk("members.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("window_minutes", Integer),
    Column("deadline", UTCDateTime),
    Column("visible_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("nudged_at", UTCDateTime),
    Column("breached_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("resolved_by_message_id", Id),
    Column("note", String(500), nullable=False, server_default=""),
    Index("ix_expectations_debtor_id", "debtor_id", "state"),
    Index("ix_expectations_creditor_id", "creditor_id", "state"),
    Index("ix_expectations_message_id", "message_id"),
    # Every message sent looks for what its place still expects (settle_by_reply).
    Index("ix_expectations_topic_id", "topic_id", "state"),
    Index("ix_expectations_conversation_id", "conversation_id", "state"),
)

# Every decision about notifying a member: deliver now, hold until, digest; and when
# it was delivered and seen. ``reason`` is shown to the member as written.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("member_id", Id, _fk("members.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("message_id", Id),
    Column("expectation_id", Id),
    Column("priority", String(8), nullable=False, server_default="normal"),
    Column("title", String(300), nullable=False, server_default=""),
    Column("action", String(8), nullable=False),
    Column("code", String(32), nullable=False),
    Column("reason", String(300), nullable=False),
    Column("deliver_at", UTCDateTime),
    Column("delivered_at", UTCDateTime),
    Column("seen_at", UTCDateTime),
    Column("repeats", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_notifications_member_id", "member_id", "id"),
)

# A forkout: one message sent as separate direct messages, with who replied.
forkouts = Table(
    "forkouts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("author_id", Id, _fk("members.id"), nullable=False, index=True),
    Column("body", Text, nullable=False),
    Column("priority", String(8), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("followed_up_at", UTCDateTime),
)

forkout_recipients = Table(
    "forkout_recipients",
    metadata,
    Column("forkout_id", Id, _fk("forkouts.id"), primary_key=True),
    Column("member_id", Id, _fk("members.id"), primary_key=True),
    Column("conversation_id", Id, nullable=False),
    Column("message_id", Id, nullable=False),
    Column("followup_message_id", Id),
)

# "Respond later": a member's bookmark on a message, with an optional reminder. At
# most one mark per member and message is active (not cleared).
later_marks = Table(
    "later_marks",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("member_id", Id, _fk("members.id"), nullable=False),
    Column("message_id", Id, _fk("messages.id"), nullable=False),
    Column("remind_at", UTCDateTime),
    Column("reminded_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("cleared_at", UTCDateTime),
    Column("cleared_reason", String(16)),
    Index("ix_later_marks_member_id", "member_id", "cleared_at"),
    Index(
        "uq_later_marks_active",
        "member_id",
        "message_id",
        unique=True,
        sqlite_where=text("cleared_at IS NULL"),
        postgresql_where=text("cleared_at IS NULL"),
    ),
)

# A message written now and sent at ``send_at`` by a job, as its author.
scheduled_messages = Table(
    "scheduled_messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("author_id", Id, _fk("members.id"), nullable=False),
    Column("topic_id", Id),
    Column("conversation_id", Id),
    Column("body", Text, nullable=False),
    Column("priority", String(8), nullable=False, server_default="normal"),
    Column("asks", Text, nullable=False, server_default="[]"),
    Column("send_at", UTCDateTime, nullable=False),
    Column("at_recipient_day", Boolean, nullable=False, server_default=false()),
    Column("state", String(16), nullable=False),
    Column("sent_message_id", Id),
    Column("error", String(500)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("forkout", Text),  # {"member_ids": [...]}: sent as a forkout, not to a place
    Column("sent_forkout_id", Id),
    Column("attachments", Text, nullable=False, server_default="[]"),  # upload refs
    Index("ix_scheduled_messages_author_id", "author_id", "state"),
)

# When a member was last seen (touched at most every few minutes per node), when
# the current visit began, and when the one before it ended: "since your last visit".
member_activity = Table(
    "member_activity",
    metadata,
    Column("member_id", Id, _fk("members.id"), primary_key=True),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("visit_started_at", UTCDateTime, nullable=False),
    Column("away_since", UTCDateTime),
)

# One row per member who changed the digest defaults or was sent one. ``version``
# goes up with every change, and is part of the digest jobs' dedupe keys so that a
# change can cancel the pending job and schedule a new one for the same day.
digest_preferences = Table(
    "digest_preferences",
    metadata,
    Column("member_id", Id, _fk("members.id"), primary_key=True),
    Column("digest_time", String(5), nullable=False, server_default="17:00"),
    Column("email_enabled", Boolean, nullable=False, server_default=true()),
    Column("send_if_active", Boolean, nullable=False, server_default=false()),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("last_digest_at", UTCDateTime),
    Column("last_digest_date", String(10)),
)

# Each digest sent, at most one per member and local day. Each e-mail carries its
# own unsubscribe token, so the link in an old e-mail keeps working.
digests = Table(
    "digests",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("member_id", Id, _fk("members.id"), nullable=False),
    Column("local_date", String(10), nullable=False),
    Column("period_start", UTCDateTime, nullable=False),
    Column("period_end", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
    Column("email_status", String(16), nullable=False),
    Column("summary", Text, nullable=False, server_default="{}"),
    Column("unsubscribe_token_hash", String(64), nullable=False, unique=True),
    UniqueConstraint("member_id", "local_date"),
)

# A preview of a web link in a message, fetched by a job (jobs/link_previews.py).
# Part of its message: read through it, purged with it.
link_previews = Table(
    "link_previews",
    metadata,
    Column("message_id", Id, _fk("messages.id"), primary_key=True),
    Column("url", String(2000), primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", String(500), nullable=False),
    Column("site_name", String(100), nullable=False),
    # The page's own image address, kept for the record; never shown to browsers.
    Column("image_url", String(2000)),
    Column("fetched_at", UTCDateTime, nullable=False),
    # The image as this server fetched it: a small WebP in the blob store.
    Column("image_sha256", String(64), index=True),
    Column("image_width", Integer),
    Column("image_height", Integer),
)

# A resumable upload: bytes arrive in a staging file until ``size`` of them are
# there; then they are checked and stored by digest, ready to attach to messages
# until ``expires_at``. ``sha256`` names the stored bytes (after metadata removal).
uploads = Table(
    "uploads",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("member_id", Id, _fk("members.id"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("expected_sha256", String(64)),
    Column("state", String(16), nullable=False),
    Column("sha256", String(64), index=True),
    Column("stored_size", BigInteger),
    Column("content_type", String(100)),
    Column("kind", String(8)),
    Column("width", Integer),
    Column("height", Integer),
    Column("duration_ms", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_uploads_workspace_id", "workspace_id", "state"),
)

# A file on a message. A clip is an attachment of kind audio or video, with its
# duration and (video) size; its poster is a derived image like a thumbnail.
attachments = Table(
    "attachments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("message_id", Id, _fk("messages.id"), nullable=False, index=True),
    Column("upload_id", Id),
    Column("uploader_id", Id, _fk("members.id"), nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("sha256", String(64), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("width", Integer),
    Column("height", Integer),
    Column("duration_ms", Integer),
    Column("alt_text", String(1000), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    # Clips: "pending" until the processing job has made the poster and checked the
    # duration (and a playable rendition where needed), then "ready" or "failed".
    Column("processing", String(16), nullable=False, server_default="ready"),
)

# Who watched a clip (audio or video attachment), per viewer: where they are, how
# far they got, and when they reached the end.
clip_views = Table(
    "clip_views",
    metadata,
    Column("attachment_id", Id, _fk("attachments.id"), primary_key=True),
    Column("member_id", Id, _fk("members.id"), primary_key=True),
    Column("workspace_id", Id, _fk("workspaces.id"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("last_watched_at", UTCDateTime, nullable=False),
    Column("position_ms", Integer, nullable=False, server_default="0"),
    Column("furthest_ms", Integer, nullable=False, server_default="0"),
    Column("completed_at", UTCDateTime),
)

# What was said in a clip, by the media's digest (equal files share it), with
# time-aligned segments. Goes when the media's bytes go.
transcripts = Table(
    "transcripts",
    metadata,
    Column("source_sha256", String(64), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("engine", String(32), nullable=False, server_default=""),
    Column("language", String(16), nullable=False, server_default=""),
    Column("text", Text, nullable=False, server_default=""),
    Column("error", String(300), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
)

transcript_segments = Table(
    "transcript_segments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("source_sha256", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("start_ms", Integer, nullable=False),
    Column("end_ms", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_transcript_segments_source_sha256", "source_sha256", "position"),
)

# Things made from stored bytes (a thumbnail, a poster frame), by the source's
# digest: equal files share them, and they go when the source's bytes go.
derived_files = Table(
    "derived_files",
    metadata,
    Column("source_sha256", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("sha256", String(64), index=True),
    Column("width", Integer),
    Column("height", Integer),
    Column("created_at", UTCDateTime, nullable=False),
)

# Keys the server makes for itself once and shares between nodes (file links).
server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)
