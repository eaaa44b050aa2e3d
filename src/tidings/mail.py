"""Sending e-mail over SMTP, after commit and off the writer thread.

Job handlers only get a transaction, so each node attaches one ``Mailer`` to its
database (``attach``, called when a worker is built from the settings) and a
handler finds it by the engine its transaction runs on. Sending is at most
once: an e-mail handed over after commit is lost if the process dies before the
SMTP server took it, and its digest keeps the status "sending".
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from weakref import WeakKeyDictionary

from tidings.config import Settings

log = logging.getLogger(__name__)
SEND_TIMEOUT = 30.0

_mailers: WeakKeyDictionary[Any, Mailer] = WeakKeyDictionary()


class Mailer:
    def __init__(self, settings: Settings, db: Any) -> None:
        self.settings = settings
        self.db = db
        self.sender = settings.mail_from
        self.public_url = settings.public_url

    def send(self, message: EmailMessage, done: Callable[[bool], None] | None = None) -> None:
        """Send in a thread of its own; ``done`` hears whether the server took it."""
        threading.Thread(target=self._send, args=(message, done), daemon=True).start()

    def _send(self, message: EmailMessage, done: Callable[[bool], None] | None) -> None:
        try:
            asyncio.run(self._deliver(message))
            sent = True
        except Exception:
            log.exception("sending e-mail to %s failed", message["To"])
            sent = False
        if done is not None:
            try:
                done(sent)
            except Exception:  # the database may be closing with the process
                log.exception("recording an e-mail outcome failed")

    async def _deliver(self, message: EmailMessage) -> None:
        import aiosmtplib

        s = self.settings
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password,
            start_tls=s.smtp_starttls,
            timeout=SEND_TIMEOUT,
        )


def attach(db: Any, settings: Settings) -> None:
    """Let jobs on ``db`` send e-mail, if an SMTP server is configured."""
    if settings.smtp_host:
        _mailers[db.write_engine] = Mailer(settings, db)
    else:
        _mailers.pop(db.write_engine, None)


def mailer_for(engine: Any) -> Mailer | None:
    return _mailers.get(engine)
