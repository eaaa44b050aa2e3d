"""The daily digest as an e-mail: plain text and HTML alternatives of one summary,
with a one-click unsubscribe link (RFC 8058) that needs no sign-in."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from typing import Any


def _lines(content: dict[str, Any], base: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Sections as (heading, [(text, link)]), shared by both renderings."""
    found = content["catchup"]
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    if found["owed"]:
        items = [
            (f"{e.get('topic_title') or 'A direct message'}: {e['excerpt'][:120]}", f"{base}/owed")
            for e in found["owed"]
        ]
        sections.append((f"Replies you owe ({len(items)})", items))
    for key, heading in (("asks", "Asks"), ("urgent", "Urgent"), ("mentions", "Mentions")):
        if found[key]:
            items = [(f"{m['author_name']}: {m['excerpt']}", base + _place(m)) for m in found[key]]
            sections.append((f"{heading} ({len(items)})", items))
    if content["notifications"]:
        items = [
            (n["title"] or n["kind"], f"{base}/notifications") for n in content["notifications"]
        ]
        sections.append((f"Notifications held for you ({len(items)})", items))
    if found["topics"]:
        items = []
        for t in found["topics"]:
            text = f"#{t['channel_name']} › {t['title']}: {t['message_count']} messages"
            if t["decisions"]:
                text += f"; decided: {t['decisions'][-1]['excerpt']}"
            items.append((text, f"{base}/t/{t['topic_id']}"))
        sections.append((f"Active topics you follow ({len(items)})", items))
    if found.get("clips"):
        items = [(_clip_title(k), base + _clip_place(k)) for k in found["clips"]]
        sections.append((f"New clips ({len(items)})", items))
    if content["unread"]:
        items = [(_unread_title(u), base + _unread_place(u)) for u in content["unread"]]
        sections.append((f"Still unread ({len(items)})", items))
    return sections


def _place(message: dict[str, Any]) -> str:
    if message.get("topic_id"):
        return f"/t/{message['topic_id']}#m{message['id']}"
    return f"/dm/{message['conversation_id']}#m{message['id']}"


def _clip_title(clip: dict[str, Any]) -> str:
    what = "voice note" if clip["kind"] == "audio" else "video"
    said = f": “{clip['first_words']}”" if clip["first_words"] else ""
    return f"{clip['author_name']}, {what} {clip['filename']}{said}"


def _clip_place(clip: dict[str, Any]) -> str:
    where = f"/t/{clip['topic_id']}" if clip["topic_id"] else f"/dm/{clip['conversation_id']}"
    return f"{where}?file={clip['file_id']}&at=0#m{clip['message_id']}"


def _unread_title(entry: dict[str, Any]) -> str:
    where = f"#{entry['channel_name']} › {entry['title']}" if entry["kind"] == "topic" else "DM"
    return f"{where}: {entry['unread']} unread"


def _unread_place(entry: dict[str, Any]) -> str:
    if entry["kind"] == "topic":
        return f"/t/{entry['topic_id']}"
    return f"/dm/{entry['conversation_id']}"


def _text(name: str, sections: list[Any], base: str, unsubscribe: str) -> str:
    out = [f"Hello {name},", "", "Here is what happened in Tidings since your last digest.", ""]
    for heading, items in sections:
        out.append(heading)
        out.extend(f"- {text}\n  {link}" for text, link in items)
        out.append("")
    out += [f"Catch up: {base}/catchup", "", f"Stop these e-mails: {unsubscribe}", ""]
    return "\n".join(out)


def _html(name: str, sections: list[Any], base: str, unsubscribe: str) -> str:
    parts = [
        "<!doctype html><html><body>",
        f"<p>Hello {escape(name)},</p>",
        "<p>Here is what happened in Tidings since your last digest.</p>",
    ]
    for heading, items in sections:
        parts.append(f"<h2>{escape(heading)}</h2><ul>")
        parts.extend(
            f'<li><a href="{escape(link)}">{escape(text)}</a></li>' for text, link in items
        )
        parts.append("</ul>")
    parts += [
        f'<p><a href="{escape(base)}/catchup">Open your catch-up</a></p>',
        f'<p><small><a href="{escape(unsubscribe)}">Stop these e-mails</a></small></p>',
        "</body></html>",
    ]
    return "\n".join(parts)


def digest_email(
    content: dict[str, Any], *, to: str, name: str, sender: str, base: str, unsubscribe: str
) -> EmailMessage:
    sections = _lines(content, base)
    message = EmailMessage()
    message["Subject"] = f"Your Tidings digest: {content['headline']}"
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="tidings")
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_text(name, sections, base, unsubscribe))
    message.add_alternative(_html(name, sections, base, unsubscribe), subtype="html")
    return message
