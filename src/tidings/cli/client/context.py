"""``tidings check``: the context check on a draft, before posting it."""

from __future__ import annotations

import sys

import typer
from rich.text import Text

from tidings.cli.client.connection import signed_in
from tidings.cli.client.render import console

TEXT = typer.Argument(..., help="The draft; '-' reads standard input")
URGENT = typer.Option(False, "--urgent", help="Check it as an urgent message")


def check(text: str = TEXT, urgent: bool = URGENT) -> None:
    """Hints that make a message answerable without a follow-up (never blocking)."""
    body = sys.stdin.read() if text == "-" else text
    with signed_in() as (_, server):
        found = server.send(
            "POST", "/compose/check", {"body": body, "priority": "urgent" if urgent else "normal"}
        )["findings"]
    if not found:
        console.print("No hints: the message says what it needs to.")
        return
    for finding in found:
        console.print(Text(f"{finding['code']}: {finding['message']}", style="bold"))
        console.print(Text(f"  {finding['suggestion']}"))
