"""The schema. Every row belongs to one workspace (multi-tenant from day one).

Migrations in ``store/migrations`` are the source of truth for the database;
this metadata mirrors them and is what queries are written against.
"""

from __future__ import annotations

from sqlalchemy import (
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
    UniqueConstraint("workspace_id", "member_key"),
)

conversation_members = Table(
    "conversation_members",
    metadata,
    Column("conversation_id", Id, _fk("conversations.id"), primary_key=True),
    Column("member_id", Id, _fk("members.id"), primary_key=True, index=True),
)

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
    Index("ix_messages_topic", "topic_id", "id"),
    Index("ix_messages_conversation", "conversation_id", "id"),
    Index("ix_messages_author", "author_id", "id"),
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
