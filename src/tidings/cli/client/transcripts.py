"""``tidings file transcript``: what was said in a voice note or video clip, line by
line with the time each line starts and ends."""

from __future__ import annotations

from typing import Any

import typer

from tidings.cli.client.clips import file_app
from tidings.cli.client.connection import signed_in
from tidings.cli.client.render import console

STATES = {
    "pending": "The transcript is still being made; try again in a minute.",
    "failed": "This clip could not be transcribed.",
    "none": "This file has no transcript.",
}


def clock(ms: int) -> str:
    """``m:ss.t``: minutes, seconds and tenths."""
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes}:{rest / 1000:04.1f}"


@file_app.command("transcript")
def transcript(
    file_id: int = typer.Argument(..., help="The clip's file id (shown with the message)"),
) -> None:
    """Print a clip's time-aligned transcript."""
    with signed_in() as (_, server):
        found: dict[str, Any] = server.get(f"/files/{file_id}/transcript")
    if found["state"] != "done":
        console.print(STATES.get(found["state"], found["state"]), markup=False)
        return
    for segment in found["segments"]:
        span = f"{clock(segment['start_ms'])}–{clock(segment['end_ms'])}"
        console.print(f"{span}  {segment['text']}", markup=False, highlight=False)
