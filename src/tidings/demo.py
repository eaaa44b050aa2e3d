"""The demo workspace "Acme": eight people in six cities and a few days of history.

Written through the actions in one transaction, so a demo is all there or not at all. Each
step runs with its own clock in the past: people post in their working hours, and replies
across time zones come the next day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import partial
from typing import Any, TypeVar

from tidings.actions.channels import create_channel
from tidings.actions.conversations import open_conversation
from tidings.actions.groups import create_group
from tidings.actions.members import add_member, update_profile
from tidings.actions.messages import edit_message, send_to_conversation, send_to_topic
from tidings.actions.reactions import add_reaction
from tidings.actions.topics import create_topic, set_resolved
from tidings.actions.workspaces import create_workspace
from tidings.clock import FrozenClock
from tidings.core.credentials import hash_password
from tidings.core.roles import Actor, Role
from tidings.errors import AlreadyExists
from tidings.store.database import Database
from tidings.store.lookups import channel_id_by_name
from tidings.store.tx import Tx

T = TypeVar("T")
DEMO_PASSWORD = "tidings-demo"
DOMAIN = "acme.example"
DAYS = 5  # of history, ending at midnight UTC today

# handle, name, title, time zone, role; the owner comes first.
PEOPLE = [
    ("lena", "Lena Hoffmann", "Team lead", "Europe/Berlin", Role.OWNER),
    ("ana", "Ana Sousa", "Engineering manager", "Europe/Lisbon", Role.ADMIN),
    ("jonas", "Jonas Weber", "Backend engineer", "Europe/Berlin", Role.MEMBER),
    ("marcus", "Marcus Reed", "Product manager", "America/New_York", Role.MEMBER),
    ("dana", "Dana Whitfield", "Site reliability engineer", "America/Chicago", Role.MEMBER),
    ("carlo", "Carlo Santos", "Support lead", "Asia/Manila", Role.MEMBER),
    ("mia", "Mia Chen", "Product designer", "Australia/Sydney", Role.MEMBER),
    ("bea", "Bea Reyes", "Illustrator (contractor)", "Asia/Manila", Role.GUEST),
]
LOGINS = [(name, f"{handle}@{DOMAIN}", zone) for handle, name, _, zone, _ in PEOPLE]

# name, kind, private, purpose, members besides the owner
CHANNELS = [
    ("design", "discussion", False, "Design reviews, specs and the design system",
     "marcus mia bea jonas"),
    ("engineering", "discussion", False, "Plans, code reviews and incident write-ups",
     "ana jonas dana marcus"),
    ("support", "support", False, "Customer questions; answers within 4 working hours",
     "carlo dana jonas ana marcus"),
    ("leadership", "discussion", True, "Hiring, budget and planning", "ana marcus"),
]  # fmt: skip
DESIGN_GROUP = "mia bea marcus lena"


@dataclass(frozen=True)
class Post:
    author: str
    after: int  # minutes after the previous post of the thread
    body: str
    reply: int | None = None  # index of the earlier post this answers
    priority: str = "normal"
    reactions: str = ""  # "ana:thumbs_up mia:tada"
    draft: str = ""  # posted first, then edited into ``body``


@dataclass(frozen=True)
class Thread:
    where: str  # "#channel", or "@a,b" for a direct conversation opened by the first author
    title: str
    day: int  # 0 is the oldest day of the history
    start: str  # "HH:MM" UTC
    posts: tuple[Post, ...]
    resolved_by: str = ""


INCIDENT = """## Write-up: sign-in failures after 2.14

**Impact:** 27 minutes; about 30% of sign-ins failed. No data was lost.

**Timeline (UTC):** 15:02 deploy, 15:08 alert, 15:10 rollback, 15:29 recovered.

**Cause:** the new cookie parser refused tokens issued before the deploy (no `v2` prefix).

**Actions**
- @jonas: accept both token formats for 30 days
- @dana: add a canary step to deploys
- @ana: review the test plan for auth changes"""

REVIEW = """Hi @design, the first pass at the Inbox 2.0 list is ready for review: \
https://figma.acme.example/inbox-v2

| state | badge | sort |
|---|---|---|
| mentioned | blue dot and count | first |
| urgent | red bar | second |
| unread | bold title | oldest first |

The row tokens I would add to the design system:

```css
--row-height-compact: 32px;
--row-height-cozy: 44px;
--badge-radius: 9999px;
```

Comments in this topic by Friday 12:00 Sydney time, please."""

THREADS = [
    Thread("#announcements", "How we work: async first", 0, "08:00", (
        Post("lena", 0, "Welcome to Tidings, everyone! We span six cities and 16 hours, so we "
             "work **async first**:\n\n1. Say what, by when (with a time zone), why, and link "
             "the material.\n2. One topic per subject, so decisions stay findable.\n3. React "
             "instead of replying \"got it\".\n4. Mark a message *urgent* only if it cannot "
             "wait for the reader's morning.",
             reactions="ana:thumbs_up jonas:thumbs_up mia:tada carlo:heart dana:rocket"),
    )),
    Thread("#general", "Q3 roadmap", 0, "13:30", (
        Post("marcus", 0, "The Q3 roadmap draft is ready for comments: "
             "https://docs.acme.example/roadmap/q3\n\nThree bets:\n\n- **Inbox 2.0**: one "
             "list of what needs you, mentions first\n- **Search** with operators and saved "
             "searches\n- **Self-serve onboarding** for new customers\n\n@lena @ana comments "
             "by Thursday 17:00 Berlin, please; I lock it on Friday."),
        Post("ana", 1110, "Inbox 2.0 and search fit if we drop custom themes. Onboarding "
             "needs a second backend engineer we won't have before August, so I'd make it a "
             "stretch goal and say so in the doc.", reply=0),
        Post("lena", 45, "Agreed. @marcus, can you add a *not doing* section? Custom themes "
             "and the mobile app go there, with a sentence on why.", reply=1,
             reactions="ana:thumbs_up marcus:eyes"),
        Post("mia", 855, "Design can start Inbox 2.0 research in the first week of July; "
             "sketches will go to #design for review."),
        Post("marcus", 840, "Updated: a *not doing* section, and onboarding is a stretch goal. "
             "Locking on Friday unless someone objects. Thanks all!",
             draft="Updated the doc, locking on Friday.",
             reactions="lena:white_check_mark ana:thumbs_up jonas:thumbs_up"),
    )),
    Thread("@lena,ana", "", 1, "09:00", (
        Post("lena", 0, "Do you have 20 minutes for a 1:1 this week? Any afternoon slot of "
             "yours works for me."),
        Post("ana", 25, "Thursday 14:00 Lisbon (15:00 Berlin)? I'll bring the hiring draft.",
             reactions="lena:thumbs_up"),
    )),
    Thread("#engineering", "Incident: sign-in failures after 2.14", 1, "15:10", (
        Post("dana", 0, "**Sign-in fails for about 30% of users since the 2.14 deploy.** "
             "Rolling back now. @jonas @ana, please join if you are around.",
             priority="urgent"),
        Post("jonas", 6, "On it. The new cookie parser rejects tokens issued before the "
             "deploy; the rollback should fix it.", reply=0),
        Post("dana", 14, "Rollback done at 15:29 UTC, error rate back to normal.",
             reactions="jonas:pray ana:heart"),
        Post("dana", 1200, INCIDENT),
        Post("ana", 90, "Thanks Dana, a clear write-up. The actions are in the tracker with "
             "owners; resolving.", reply=3, reactions="lena:clap dana:thumbs_up"),
    ), resolved_by="ana"),
    Thread("#leadership", "Hiring plan for H2", 2, "09:00", (
        Post("lena", 0, "The H2 budget is approved: two engineers and one support hire. "
             "@ana, can you draft the backend role by next Wednesday? @marcus, does "
             "onboarding change the profile we want?"),
        Post("ana", 60, "Draft by Wednesday 17:00 Lisbon. I'd hire one senior backend "
             "engineer first and the second once onboarding is scoped.", reply=0),
    )),
    Thread("#design", "Design review: Inbox 2.0 list", 2, "23:30", (
        Post("mia", 0, REVIEW, reactions="lena:eyes marcus:eyes"),
        Post("bea", 540, "Love the density options! For the empty state I could draw a calm "
             "inbox, maybe a paper boat? Two sketches by Thursday.", reactions="mia:heart"),
        Post("marcus", 300, "Sorting looks right. Does *urgent* beat *mentioned* when both "
             "apply? I'd put urgent mentions first.", reply=0, reactions="lena:thumbs_up"),
        Post("mia", 580, "Good point: v2 sorts urgent mentions first. And a paper boat "
             "sounds perfect, @bea!", reactions="marcus:thumbs_up"),
    )),
    Thread("#support", "Globex: invoice CSV export times out", 3, "03:00", (
        Post("carlo", 0, "Globex's CSV export of their 2023 invoices (about 40k rows) times "
             "out, and they need it for an audit by Friday. @jonas, could you look when your "
             "day starts? Ticket: https://help.acme.example/t/4812", priority="high"),
        Post("jonas", 330, "The export runs inside the request and 40k rows hit the 30 s proxy "
             "limit. I'll run it as a background job today and send Carlo the file.", reply=0,
             reactions="carlo:pray"),
    )),
    Thread("@marcus,mia,bea", "", 3, "14:00", (
        Post("marcus", 0, "Could the paper boat appear in the welcome e-mail too? No rush, "
             "any time this week."),
        Post("mia", 560, "It would look lovely there. @bea, what do you think?"),
    )),
    Thread("#watercooler", "Weekend plans", 4, "02:00", (
        Post("carlo", 0, "Rainy season in Manila, so board games all weekend. Anyone playing "
             "something good?"),
        Post("mia", 30, "Wingspan night here in Sydney 🐦", reactions="carlo:joy"),
        Post("dana", 720, "Smoking a brisket, 14 hours. Austin stereotypes are true."),
        Post("ana", 20, "Dana, please write the brisket up like an incident report.", reply=2,
             reactions="dana:joy jonas:joy marcus:joy"),
    )),
]  # fmt: skip


@dataclass
class _Seeding:
    tx: Tx  # the one transaction everything is written in
    now: datetime
    actors: dict[str, Actor] = field(default_factory=dict)
    places: dict[Thread, int] = field(default_factory=dict)  # its topic or conversation id
    messages: dict[tuple[Thread, int], int] = field(default_factory=dict)

    def run(self, when: datetime, action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one action as if at ``when``, inside the seeding transaction."""
        step = Tx(self.tx.conn, FrozenClock(min(when, self.now)))
        result = action(step, *args, **kwargs)
        step.flush_events()
        self.tx.committed_events.extend(step.committed_events)
        self.tx.after_commit(step.run_after_commit)
        return result


def seed_demo(db: Database) -> list[tuple[str, str, str]]:
    """Seed "Acme" unless it exists; the logins (name, e-mail, zone), owner first."""
    now = db.clock.now()
    password_hash = hash_password(DEMO_PASSWORD)  # hashed once, and never in the writer
    db.write(lambda tx: _seed(_Seeding(tx, now), password_hash))
    return list(LOGINS)


def _seed(s: _Seeding, password_hash: str) -> None:
    first_day = datetime.combine((s.now - timedelta(days=DAYS)).date(), time(), tzinfo=UTC)
    when = first_day + timedelta(hours=7)
    handle, name, _, zone, _ = PEOPLE[0]
    try:
        made = s.run(
            when, create_workspace, name="Acme", owner_email=f"{handle}@{DOMAIN}",
            owner_password_hash=password_hash, owner_name=name, owner_time_zone=zone,
        )  # fmt: skip
    except AlreadyExists:
        return  # seeded before
    s.actors[handle] = Actor(made["owner_id"], made["id"], Role.OWNER, handle)
    _setup(s, when, password_hash)
    for step_at, step in _timeline(first_day):
        step(s, step_at)


def _setup(s: _Seeding, when: datetime, password_hash: str) -> None:
    owner = s.actors[PEOPLE[0][0]]
    for handle, name, _, zone, role in PEOPLE[1:]:
        member = s.run(
            when, add_member, owner, email=f"{handle}@{DOMAIN}", display_name=name,
            password_hash=password_hash, role=role, time_zone=zone,
        )  # fmt: skip
        s.actors[handle] = Actor(member["id"], owner.workspace_id, role, member["handle"])
    for handle, _, title, _, _ in PEOPLE:
        s.run(when, update_profile, s.actors[handle], title=title)
    for name, kind, private, purpose, people in CHANNELS:
        s.run(
            when, create_channel, owner, name=name, purpose=purpose, kind=kind,
            is_private=private, member_ids=_ids(s, people),
        )  # fmt: skip
    s.run(
        when, create_group, owner, handle="design", name="Design",
        description="Everyone who reviews product design", member_ids=_ids(s, DESIGN_GROUP),
    )  # fmt: skip


def _ids(s: _Seeding, handles: str) -> list[int]:
    return [s.actors[h].member_id for h in handles.replace(",", " ").split()]


Step = Callable[[_Seeding, datetime], None]


def _timeline(first_day: datetime) -> list[tuple[datetime, Step]]:
    """Every post, edit, reaction and resolution of every thread, oldest first."""
    steps: list[tuple[datetime, Step]] = []
    for thread in THREADS:
        hours, minutes = map(int, thread.start.split(":"))
        when = first_day + timedelta(days=thread.day, hours=hours, minutes=minutes)
        for index, post in enumerate(thread.posts):
            when += timedelta(minutes=post.after)
            steps.append((when, partial(_post, thread, index, post)))
            if post.draft:
                steps.append((when + timedelta(minutes=7), partial(_edit, thread, index, post)))
            for n, reaction in enumerate(post.reactions.split(), start=1):
                who, emoji = reaction.split(":")
                react = partial(_react, thread, index, who, emoji)
                steps.append((when + timedelta(minutes=4 * n), react))
        if thread.resolved_by:
            steps.append((when + timedelta(minutes=30), partial(_resolve, thread)))
    return sorted(steps, key=lambda step: step[0])  # stable: a thread keeps its order


def _post(thread: Thread, index: int, post: Post, s: _Seeding, when: datetime) -> None:
    author, key = s.actors[post.author], thread
    fields: dict[str, Any] = {"body": post.draft or post.body, "priority": post.priority}
    if post.reply is not None:
        fields["reply_to_id"] = s.messages[(key, post.reply)]
    if thread.where.startswith("@"):
        if key not in s.places:
            others = _ids(s, thread.where.lstrip("@"))
            s.places[key] = s.run(when, open_conversation, author, others)["id"]
        message = s.run(when, send_to_conversation, author, s.places[key], **fields)
    elif key in s.places:
        message = s.run(when, send_to_topic, author, s.places[key], **fields)
    else:
        channel_id = channel_id_by_name(s.tx.conn, author.workspace_id, thread.where)
        topic = s.run(when, create_topic, author, channel_id, title=thread.title, **fields)
        s.places[key], message = topic["id"], topic["first_message"]
    s.messages[(key, index)] = message["id"]


def _edit(thread: Thread, index: int, post: Post, s: _Seeding, when: datetime) -> None:
    message_id = s.messages[(thread, index)]
    s.run(when, edit_message, s.actors[post.author], message_id, post.body)


def _react(thread: Thread, index: int, who: str, emoji: str, s: _Seeding, when: datetime) -> None:
    s.run(when, add_reaction, s.actors[who], s.messages[(thread, index)], emoji)


def _resolve(thread: Thread, s: _Seeding, when: datetime) -> None:
    s.run(when, set_resolved, s.actors[thread.resolved_by], s.places[thread], True)
