"""A synthetic but realistic-looking team chat history, for the search benchmark.

Words follow a Zipf-like distribution (the r-th most common word is about 1/r as
frequent as the first), as in real text; messages mix common workplace words with
people's names, project codenames, fixed phrases ("release notes"), numbers and a
few rare words, so that queries can hit a large, a medium and a tiny share of the
history. Bodies are plain text (no markdown syntax), so the HTML the send action
would store is exactly ``<p>escaped body</p>``: the benchmark checks that on a sample.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import accumulate


def _unique(words: str) -> list[str]:
    return list(dict.fromkeys(words.split()))


COMMON = _unique("""
the to and a of in for is on we that it this with be can i you will have are at
as from by or not so if our do just but about all was there up out what when
should would need think get let now more also next some today know one new make
time work see team week like update going still back any been check before after
could first then here them sure well good thanks please review meeting call plan
project release deploy build test fix issue bug change feature customer client data
report design doc draft feedback question answer decision notes agenda sync status
deadline priority launch roadmap sprint ticket branch merge code api server database
service staging production incident alert outage metrics dashboard budget cost
invoice contract legal hiring interview candidate offer onboarding training policy
security access password account login email slack calendar schedule friday monday
tuesday wednesday thursday morning afternoon tomorrow yesterday month quarter year
goal target plan proposal estimate scope risk blocker dependency owner stakeholder
approval signoff handoff followup retro demo presentation slides spreadsheet
analysis research survey user users interview usability prototype mockup wireframe
copy content blog post newsletter campaign marketing sales lead pipeline revenue
forecast pricing discount renewal churn support escalation sla response latency
performance scaling capacity migration upgrade version patch rollback config
environment cluster container pipeline ci flaky logs trace monitoring backup restore
vendor partner integration webhook export import sync permission role admin guest
channel topic thread message reply mention reaction link attachment file folder
office remote travel visa expense reimbursement payroll benefits holiday vacation
leave sick coverage rotation oncall shift handover weekly monthly daily standup
checkin brief recap summary action item items owner due done blocked waiting pending
approved rejected shipped merged reverted deployed tested reviewed drafted
scheduled postponed cancelled confirmed agreed discussed mentioned raised flagged
tracked assigned resolved closed opened reopened updated added removed moved
renamed archived quick small big huge minor major urgent important critical simple
clear unclear ready almost late early soon later again though actually probably
maybe definitely great nice awesome sorry unfortunately happy glad worried
""")  # most common first

NAMES = _unique("""
ana bruno chen dana elif farah gustavo hana ivan jonas kemal lucia mateo nadia
omar priya quentin rosa sven tara umar vera wei xenia yusuf zoe aisha ben carla
diego emma felix grace hugo iris jamal kofi lena marco
""")

CODENAMES = _unique("""
falcon nimbus atlas orion kestrel lantern juniper meridian quartz saffron tundra
beacon cobalt ember harbor
""")

PHRASES = (
    "release notes",
    "action items",
    "next steps",
    "customer feedback",
    "code review",
    "on call",
    "end of quarter",
    "out of office",
    "design review",
    "launch plan",
)

RARE = _unique("""
quokka zeitgeist xylophone serendipity kerfuffle brouhaha flibbertigibbet gobbledygook
lollygag mumpsimus snollygoster taradiddle widdershins bumfuzzle cattywampus
""")

CHANNELS = (
    "engineering",
    "design",
    "product",
    "sales",
    "support",
    "marketing",
    "ops",
    "hiring",
    "finance",
    "random",
)


def _zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


class Generator:
    """Message bodies, reproducible from a seed."""

    def __init__(self, seed: int = 2026) -> None:
        self.random = random.Random(seed)
        self._common = _zipf_weights(len(COMMON))
        self._names = _zipf_weights(len(NAMES), 0.8)
        self._codenames = _zipf_weights(len(CODENAMES), 0.9)

    def _words(self, count: int) -> list[str]:
        return self.random.choices(COMMON, cum_weights=self._common, k=count)

    def body(self) -> str:
        pick = self.random.random
        words = self._words(self.random.randint(4, 32))
        if pick() < 0.25:
            name = self.random.choices(NAMES, cum_weights=self._names)[0]
            words.insert(self.random.randrange(len(words) + 1), name.title())
        if pick() < 0.15:
            codename = self.random.choices(CODENAMES, cum_weights=self._codenames)[0]
            words.insert(self.random.randrange(len(words) + 1), codename.title())
        if pick() < 0.08:
            words.insert(self.random.randrange(len(words) + 1), self.random.choice(PHRASES))
        if pick() < 0.1:
            words.append(str(self.random.randint(2, 999)))
        if pick() < 0.0006:
            words.insert(self.random.randrange(len(words) + 1), self.random.choice(RARE))
        text = " ".join(words)
        ending = "?" if pick() < 0.2 else "."
        return text[0].upper() + text[1:] + ending

    def bodies(self, count: int) -> Iterator[str]:
        for _ in range(count):
            yield self.body()

    def weighted_index(self, count: int, exponent: float = 0.9) -> list[float]:
        """Cumulative Zipf weights, to pick busy and quiet places."""
        return _zipf_weights(count, exponent)
