"""The context check: gentle findings on a draft that would need a follow-up to act on.

Each finding has a stable ``code``, a short ``message`` and a ``suggestion`` (a
rewrite or what to add). The check never blocks a send; it only returns findings.

Precision matters more than recall: a hint on a good message teaches people to ignore
hints, so every rule fires only on a clear pattern and stands down at the first sign of
context (a link, an identifier, a deadline, a stated reason, a specific question).

- ``NO_HELLO``: the whole draft is a greeting or an opener ("hi @ana", "quick
  question?", "got a minute?"). When it fires it is the only finding: the fix is to
  write the actual message.
- ``NO_DEADLINE``: an ask (``asks > 0``, or a request such as "can you…", "could
  someone…", "please review…") with no deadline, given or written ("by Fri", "before
  15:00", "EOD", "tomorrow", "2026-12-09").
- ``VAGUE_ASK``: "thoughts?", "let me know what you think", "any feedback?" about
  nothing more specific than "this", with no specific question alongside.
- ``MISSING_LINK``: "this doc", "the attached deck", "the link"… with no URL, no
  attachment, no file name and no identifier (``#412``, ``OPS-118``).
- ``URGENT_NO_REASON``: urgent priority with no stated reason or impact.
- ``NO_SUMMARY``: a long draft (over ``LONG_CHARS`` characters or ``LONG_LINES`` lines)
  whose first line, past a greeting, is long or opens with filler ("So…", "Just…").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LONG_CHARS = 600
LONG_LINES = 6
FIRST_LINE_MAX = 200
CODES = (
    "NO_HELLO",
    "NO_DEADLINE",
    "VAGUE_ASK",
    "MISSING_LINK",
    "URGENT_NO_REASON",
    "NO_SUMMARY",
)


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    suggestion: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "suggestion": self.suggestion}


def _words(*alternatives: str) -> str:
    return "|".join(alternatives)


# --- text preparation ------------------------------------------------------------------

FENCED = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
QUOTE_LINE = re.compile(r"^\s*>.*$", re.MULTILINE)
URL = re.compile(r"(https?://|www\.)\S+|\]\([^)\s]+\)|<[a-z]+://[^>]+>", re.IGNORECASE)
MENTION = re.compile(r"(?<![\w@])@[\w.-]+")


def own_words(body: str) -> str:
    """The draft's own words: no code, no quoted lines, no URLs."""
    text = FENCED.sub(" ", body)
    text = INLINE_CODE.sub(" ", text)
    text = QUOTE_LINE.sub(" ", text)
    return URL.sub(" ", text)


# --- NO_HELLO --------------------------------------------------------------------------

GREETING = _words(
    r"hi+",
    r"hey+",
    r"hello+",
    r"hiya",
    r"howdy",
    r"yo",
    r"heya",
    r"ola",
    r"olá",
    r"oi",
    r"hallo",
    r"servus",
    r"moin",
    r"kumusta",
    r"good (?:morning|afternoon|evening|day)",
    r"morning",
    r"greetings",
    r"ping",
)
AUDIENCE = _words(
    "all",
    "zusammen",
    "pessoal",
    "a todos",
    "everyone",
    "everybody",
    "team",
    "folks",
    "there",
    "guys",
    "y'?all",
)
OPENER = _words(
    r"(?:a |one )?quick (?:question|q|one)",
    r"(?:i have |got )?a question(?: for you)?",
    r"question for you",
    r"(?:have you |do you have |you )?got a (?:minute|min|sec|second|moment)",
    r"(?:do you )?have a (?:minute|min|sec|second|moment)",
    r"(?:are )?you (?:there|around|free|busy|online|awake)",
    r"(?:is )?any(?:one|body) (?:there|around|online)",
    r"can i ask (?:you )?(?:something|a question|a quick question)",
    r"can i (?:steal|borrow) (?:you|a minute|a sec)",
    r"can you help(?: me)?",
    r"(?:i )?need (?:your|some) help",
    r"how are you(?: doing)?",
    r"how'?s it going",
    r"hope you(?:'re| are) (?:well|good|doing well)",
    r"sorry to bother(?: you)?",
    r"tudo bem",
    r"wie geht'?s",
    r"c[oó]mo est[aá]s",
    r"kumusta ka",
)
HELLO_PIECE = re.compile(
    rf"^(?:(?:{GREETING})(?: (?:{AUDIENCE}))?|{OPENER})\b", re.IGNORECASE | re.UNICODE
)
SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
HELLO_NOISE = re.compile(r"[\s,.!?;:\-–—…'\"()]+|[^\w\s@']", re.UNICODE)


def _greeting_only(prose: str) -> bool:
    text = SHORTCODE.sub(" ", MENTION.sub(" ", prose))
    text = HELLO_NOISE.sub(" ", text).strip().lower()
    if not text or len(text) > 80:
        return False
    matched, after_greeting = False, False
    while text:
        found = HELLO_PIECE.match(text)
        if found:
            after_greeting = not re.match(OPENER, found.group(0))
            matched = True
            text = text[found.end() :].strip()
            continue
        # A first name right after the greeting ("Hey Marcus!") is still only a hello.
        name = re.match(r"^[^\W\d_]+\b", text)
        if after_greeting and name and name.end() == len(text.split(" ", 1)[0]):
            after_greeting = False
            text = text[name.end() :].strip()
            continue
        return False
    return matched


def _hello_suggestion(body: str) -> str:
    people = " ".join(dict.fromkeys(MENTION.findall(body)))
    lead = f"{people} — could" if people else "Could"
    return (
        f"Say it all in one message: “{lead} you check the Q3 numbers in <link> "
        "by Thu 15:00 CET? I need them for Friday's board deck.”"
    )


# --- NO_DEADLINE -----------------------------------------------------------------------

REQUEST = re.compile(
    r"\b(?:can|could|would) (?:you|u|someone|somebody|one of you|y'?all|you all|you both)\b"
    r"(?! (?:believe|imagine|tell|see|hear|like|prefer|rather|be|recommend|suggest)\b)"
    r"|\bwould you mind\b"
    r"|\bdo you have (?:time|a moment|capacity|bandwidth) to\b"
    r"|\bany chance you\b"
    r"|\b(?:i|we) need (?:you|someone|somebody|one of you) to\b"
    r"|\bneed your (?:review|input|approval|sign-?off|ok|okay|go-?ahead|decision)\b"
    r"|\b(?:are|is) (?:you|anyone|someone) able to\b"
    r"|\bplease (?:review|check|approve|send|confirm|sign|update|fill|look|take a look|share"
    r"|test|merge|reply|answer|add|fix|decide|comment|vote|book|submit|prepare|draft)\b",
    re.IGNORECASE,
)
DAY = _words(
    r"mon(?:day)?",
    r"tue(?:s|sday)?",
    r"wed(?:nesday)?",
    r"thu(?:r|rs|rsday)?",
    r"fri(?:day)?",
    r"sat(?:urday)?",
    r"sun(?:day)?",
)
MONTH = _words(
    r"jan(?:uary)?",
    r"feb(?:ruary)?",
    r"mar(?:ch)?",
    r"apr(?:il)?",
    r"may",
    r"jun(?:e)?",
    r"jul(?:y)?",
    r"aug(?:ust)?",
    r"sep(?:t|tember)?",
    r"oct(?:ober)?",
    r"nov(?:ember)?",
    r"dec(?:ember)?",
)
PERIOD = _words("day", "week", "month", "sprint", "quarter", "year", "play", "business")
EVENT = _words(
    "meeting",
    "call",
    "standup",
    "stand-up",
    "sync",
    "release",
    "demo",
    "retro",
    "review",
    "launch",
    "offsite",
    "planning",
    "kickoff",
    "kick-off",
    "freeze",
    "cutoff",
    "cut-off",
    "deploy",
    "board meeting",
    "all-hands",
)
DEADLINE = re.compile(
    r"\b(?:eod|eow|eom|cob|eob|tomorrow|tmrw|tonight|today|overmorrow)\b"
    r"|\b(?:right now|right away|immediately|asap)\b"
    r"|\b(?:this|next) (?:morning|afternoon|evening|week|month|sprint|quarter)\b"
    r"|\bend of (?:the )?(?:" + PERIOD + r")\b"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b"
    r"|\b(?:mon|tue|tues|wed|thu|thur|thurs|fri)\b\.?"
    r"|\b(?:by|before|until|till|on|due|from|after|no later than) (?:" + DAY + r")\b"
    r"|\b\d{1,2}[:.h]\d{2}\b"
    r"|\b\d{1,2} ?(?:am|pm)\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}/\d{1,2}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:" + MONTH + r")\b"
    r"|\b(?:" + MONTH + r") \d{1,2}(?:st|nd|rd|th)?\b"
    r"|\b(?:in|within) (?:the next )?(?:\d+|an?|one|two|three|a few|a couple of) "
    r"(?:working |business )?(?:min(?:ute)?s?|hours?|h|days?|weeks?)\b"
    r"|\b(?:in|within) the next (?:hour|day|week|half hour|few (?:hours|days))\b"
    r"|\b(?:by|before|ahead of|until|till) (?:the |our |my |your |this |tomorrow'?s |"
    r"next )?(?:" + EVENT + r")\b"
    r"|\b(?:by|before|at) (?:noon|midday|lunch|midnight)\b"
    r"|\bdeadline is\b",
    re.IGNORECASE,
)


def has_deadline_text(text: str) -> bool:
    """Whether the text states a date or time ("by Fri", "15:00", "EOD", "2026-12-09")."""
    return DEADLINE.search(text) is not None


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _request_sentence(text: str) -> str | None:
    for sentence in _sentences(text):
        if REQUEST.search(sentence):
            return sentence.strip()
    return None


def _deadline_suggestion(sentence: str | None) -> str:
    if sentence and len(sentence) <= 120 and not URL.search(sentence):
        stem = sentence.rstrip(" ?.!")
        end = "?" if sentence.rstrip().endswith("?") else "."
        return f"Say by when, with a time zone: “{stem} by Thu 15:00 CET{end}”"
    return "Say by when, with a time zone, e.g. “by Thu 15:00 CET”, and why that time."


# --- VAGUE_ASK -------------------------------------------------------------------------

VAGUE_OBJECT = (
    r"(?: (?:on|about|of|re|for|to) (?:this|that|it|these|those|the above|all this|this one"
    r"|the (?:doc|document|draft|proposal|deck|pr|design|idea|plan|changes|update|above)))?"
)
VAGUE = re.compile(
    r"(?:^|[\s.!,;(])(?:"
    r"(?:any )?(?:thoughts|opinions|ideas|comments|feedback|input|objections|concerns)"
    + VAGUE_OBJECT
    + r"(?: anyone| folks| all| everyone)? ?\?"
    r"|(?:please )?(?:let me know|lmk|tell me) (?:what you think|your thoughts|what you all think"
    r"|what y'?all think|if you have (?:any )?(?:thoughts|feedback|comments))"
    + VAGUE_OBJECT
    + r"|what do (?:you|y'?all|you all|we|people|folks) think"
    + VAGUE_OBJECT
    + r" ?\?"
    r"|wdyt\b|(?:how does|does) (?:this|it) look(?: ok| okay| good)? ?\?"
    r"|(?:happy to hear|open to|welcome) (?:any )?(?:thoughts|feedback|comments)"
    r")(?=$|[\s.!?,;)])",
    re.IGNORECASE,
)
SPECIFIC = re.compile(
    r"\b(?:specifically|especially|in particular|particularly|mainly|mostly|focus(?:ed)? on"
    r"|section|page \d|paragraph|slide \d|line \d|whether|should (?:we|i)|option [a-c1-3]"
    r"|the part (?:about|on|where)|concerned about|worried about|unsure (?:about|whether|if)"
    r"|not sure (?:about|whether|if)|wondering (?:if|whether|about)|trade-?off"
    r"|(?:is|are) (?:the|this|it) .{3,60}(?:right|enough|ok|okay|clear|correct)\b"
    r"|go or no-go|yes or no|approve)",
    re.IGNORECASE,
)


def _vague_ask(prose: str) -> bool:
    found = VAGUE.search(prose)
    if not found:
        return False
    rest = VAGUE.sub(" ", prose)
    if SPECIFIC.search(prose):
        return False
    # Another real question beside the vague one is the specific ask.
    return not any(s.strip().endswith("?") and len(s.split()) >= 4 for s in _sentences(rest))


# --- MISSING_LINK ----------------------------------------------------------------------

THING = _words(
    r"doc",
    r"docs",
    r"document",
    r"report",
    r"pr",
    r"pull request",
    r"mr",
    r"merge request",
    r"deck",
    r"slides?",
    r"slide deck",
    r"spreadsheet",
    r"sheet",
    r"ticket",
    r"spec",
    r"rfc",
    r"design doc",
    r"mockups?",
    r"figma",
    r"proposal",
    r"dashboard",
    r"recording",
    r"invoice",
    r"contract",
    r"screenshot",
    r"diagram",
    r"draft",
)
REFERENCE = re.compile(
    r"\b(?:this|these|attached|linked|the attached|the linked|the following|see the|see my"
    r"|see our|here'?s the|here is the|here'?s my|here is my|here'?s our|here is our"
    r"|in the attached|find the)"
    r" (?:(?:new|updated|latest|final|revised|draft|shared|q[1-4]|quarterly|weekly|monthly"
    r"|first|second|v\d|[\w-]+ing) )?(?P<thing>" + THING + r")\b"
    r"|\b(?P<link>the link|link (?:below|above|here)|this link|the url)\b",
    re.IGNORECASE,
)
IDENTIFIER = re.compile(
    r"(?:^|\s|\()(?:#\d+|![0-9]+|[A-Z][A-Z0-9]{1,9}-\d+)\b"
    r"|\b[\w-]+\.(?:pdf|docx?|xlsx?|pptx?|csv|md|key|numbers|pages|png|jpe?g|gif|zip|txt"
    r"|json|ya?ml|sql|log)\b"
    r"|\b(?:PR|MR|ticket|issue) #?\d+\b"
    r"|\b[0-9a-f]{7,40}\b",
    re.IGNORECASE,
)


REACTION = re.compile(
    r"\b(?:thanks|thank you|thx|great|love|loved|nice|awesome|amazing|well done|kudos"
    r"|brilliant|excellent|helpful|beautiful|congrats)\b",
    re.IGNORECASE,
)


def _missing_thing(body: str, prose: str, has_attachment: bool) -> str | None:
    if has_attachment or URL.search(body) or IDENTIFIER.search(prose):
        return None
    for sentence in _sentences(prose):
        found = REFERENCE.search(sentence)
        # "This doc is great" reacts to something the reader already has.
        if found and not REACTION.search(sentence):
            return "link" if found.group("link") else found.group("thing").lower()
    return None


# --- URGENT_NO_REASON ------------------------------------------------------------------

REASON = re.compile(
    r"\b(?:because|since|due to|as a result|so that|otherwise|or else|caused by"
    r"|down|outage|blocked|blocking|blocker|blocks|customers?|clients?|users?|deadline"
    r"|fail(?:s|ed|ing|ure|ures)?|broken|broke|breaks|error|errors|incident|security"
    r"|breach|leak(?:ed|ing)?|vulnerab\w*|prod|production|crash(?:es|ed|ing)?|data loss"
    r"|legal|payroll|payments?|revenue|sev-?[0-3]|p[0-1]|impact(?:s|ed|ing)?|affect\w*"
    r"|launch|release|rollback|roll back|escalat\w*|cut-?off|audit|regulator\w*"
    r"|not working|isn'?t working|stopped|can'?t|cannot|unable|stuck|timeouts?|latency"
    r"|spik\w+|alerts?|pag(?:er|ed|ing)|on fire|lost|losing|risk|expir\w*|penalt\w*"
    r"|fines?|compliance|contract|invoice|board|investors?|press|leaving|flight|wedding"
    r"|sick|hospital|emergency|5\d\d)\b",
    re.IGNORECASE,
)


# --- NO_SUMMARY ------------------------------------------------------------------------

FILLER = re.compile(
    r"^(?:so\b|ok(?:ay)? so\b|well\b|um+\b|uh+\b|just\b|i was (?:wondering|thinking|looking)"
    r"|i wanted to\b|i'?ve been (?:thinking|looking)|as (?:you know|discussed|promised)"
    r"|following up\b|sorry\b|long story|quick (?:one|question)|random thought|hmm+\b"
    r"|(?:hi|hey|hello)\b)",
    re.IGNORECASE,
)
SUMMARY_MARK = re.compile(
    r"^(?:#{1,6}\s|\*\*|__|tl;?dr|summary|in short|decision|ask|update|fyi|proposal"
    r"|status|action|bottom line|headline|context)\b",
    re.IGNORECASE,
)
LEADING_GREETING = re.compile(
    rf"^(?:(?:{GREETING})(?: (?:{AUDIENCE}))?|dear \w+)(?:\s+@[\w.-]+)*\s*[,!.:—–-]*\s*",
    re.IGNORECASE,
)


def _first_line(body: str) -> str:
    """The draft's first real line, past a greeting that stands alone."""
    lines = [line.strip() for line in FENCED.sub("", body).splitlines() if line.strip()]
    for line in lines:
        rest = LEADING_GREETING.sub("", line, count=1).strip()
        if len(rest.split()) >= 3:
            return rest
        if not _greeting_only(line):
            return line
    return ""


def _no_summary(body: str) -> bool:
    long_lines = len([line for line in body.splitlines() if line.strip()])
    if len(body.strip()) <= LONG_CHARS and long_lines <= LONG_LINES:
        return False
    first = _first_line(body)
    if not first or SUMMARY_MARK.match(first):
        return False
    return len(first) > FIRST_LINE_MAX or FILLER.match(first) is not None


# --- the check -------------------------------------------------------------------------


def check_draft(
    body: str,
    *,
    priority: str = "normal",
    asks: int = 0,
    has_deadline: bool = False,
    has_attachment: bool = False,
) -> list[Finding]:
    """Findings for a draft, in the order of :data:`CODES`; empty for a good message."""
    prose = own_words(body)
    if not prose.strip():
        return []
    if _greeting_only(prose):
        return [
            Finding(
                "NO_HELLO",
                "Just a greeting: the reader has to wait for your question.",
                _hello_suggestion(body),
            )
        ]
    return list(_findings(body, prose, priority, asks, has_deadline, has_attachment))


def _findings(
    body: str, prose: str, priority: str, asks: int, has_deadline: bool, has_attachment: bool
) -> Iterable[Finding]:
    request = _request_sentence(QUOTE_LINE.sub(" ", INLINE_CODE.sub(" ", FENCED.sub(" ", body))))
    if (asks > 0 or request) and not has_deadline and not has_deadline_text(prose):
        yield Finding(
            "NO_DEADLINE",
            "You ask for something but not by when.",
            _deadline_suggestion(request),
        )
    if _vague_ask(prose):
        yield Finding(
            "VAGUE_ASK",
            "An open “thoughts?” is hard to answer.",
            "Ask the question you need answered: which part, and what decision, e.g. "
            "“Is the rollout order in step 3 safe for Manila's night shift?”",
        )
    thing = _missing_thing(body, prose, has_attachment)
    if thing:
        yield Finding(
            "MISSING_LINK",
            f"You mention “{thing}” but there is no link or attachment.",
            f"Paste the {thing}'s URL or attach it, so nobody has to ask where it is.",
        )
    if priority == "urgent" and not REASON.search(prose):
        yield Finding(
            "URGENT_NO_REASON",
            "Marked urgent without saying why.",
            "Say what is at stake and why now, e.g. “Urgent: checkout is failing for EU "
            "customers since 09:40 CET”, or send it at normal priority.",
        )
    if _no_summary(body):
        yield Finding(
            "NO_SUMMARY",
            "A long message without a summary first.",
            "Open with one line that says what this is and what you need, e.g. "
            "“TL;DR: the release moves to Thu; I need your go/no-go by Wed 12:00 CET.”",
        )


def check_composed(draft: Mapping[str, Any]) -> list[Finding]:
    """:func:`check_draft` for a draft as the API and the composer carry it: ``body``,
    ``priority``, ``asks`` (each ``{member_id, deadline?}``) and ``has_attachment``."""
    asks = list(draft.get("asks") or ())
    return check_draft(
        str(draft.get("body") or ""),
        priority=str(draft.get("priority") or "normal"),
        asks=len(asks),
        has_deadline=any(ask.get("deadline") is not None for ask in asks),
        has_attachment=bool(draft.get("has_attachment")),
    )
