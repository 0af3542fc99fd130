"""The portal's mail receiver: an SMTP (or LMTP) server, run as its own process (`manage.py receive_mail`), that an
organisation's mail system delivers the portal's reply addresses to.

Features register what they receive in their AppConfig.ready() (`register(name, claims, receive)`): `claims(address)`
says whether a recipient address is theirs, `receive(address, message)` handles one message for it. The receiver
itself knows nothing of meetings.

- A recipient no feature claims is refused at RCPT ("550 no such mailbox"); a message over MAIL_RECEIVER_MAX_BYTES
  is refused at DATA ("552"). Everything else is accepted ("250"): what a feature then refuses (a forged or malformed
  message) changes nothing and is logged, and the sender learns nothing of why.
- Each message is handled, in a thread of its own so the server goes on listening, before the receiver answers: the
  sending server keeps it until it is accepted. While the database cannot be reached the answer is "451 try again
  later", and the message is delivered again later: nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import DatabaseError, close_old_connections

logger = logging.getLogger(__name__)

ACCEPTED = "250 2.0.0 OK"
NO_MAILBOX = "550 5.1.1 No such mailbox here"
TRY_LATER = "451 4.3.0 Try again later"


@dataclass(frozen=True)
class Receiver:
    name: str
    claims: Callable[[str], bool]
    receive: Callable[[str, bytes, str], None]  # (recipient address, raw message, envelope sender)


_receivers: list[Receiver] = []


def register(name: str, claims: Callable[[str], bool], receive: Callable[[str, bytes, str], None]) -> None:
    if all(r.name != name for r in _receivers):
        _receivers.append(Receiver(name, claims, receive))


def receiver_for(address: str) -> Receiver | None:
    return next((r for r in _receivers if r.claims(address)), None)


def deliver(address: str, message: bytes, sender: str = "") -> str:
    """Hand one message for `address` to the feature that claims it; the SMTP answer for that recipient. Runs in a
    worker thread, with a database connection of its own."""
    receiver = receiver_for(address)
    if receiver is None:
        return NO_MAILBOX
    close_old_connections()
    try:
        receiver.receive(address, message, sender)
    except DatabaseError:
        logger.warning("mail for %s could not be handled now; the sender will try again", receiver.name, exc_info=True)
        return TRY_LATER
    except Exception:
        # A fault of the portal's, not of the message: kept by the sender, tried again later.
        logger.exception("mail for %s failed", receiver.name)
        return TRY_LATER
    finally:
        close_old_connections()
    return ACCEPTED


class Handler:
    """aiosmtpd's handler: recipients checked at RCPT, messages handled at DATA, one at a time per thread."""

    def __init__(self, *, lmtp: bool, threads: int = 2):
        self.lmtp = lmtp
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="receive")

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options) -> str:
        if receiver_for(address) is None:
            logger.info("mail refused: no mailbox", extra={"recipient": address[:254]})
            return NO_MAILBOX
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        sender = str(envelope.mail_from or "")[:254]
        loop = asyncio.get_running_loop()
        answers = [
            await loop.run_in_executor(self.pool, deliver, recipient, content, sender)
            for recipient in envelope.rcpt_tos
        ]
        if self.lmtp:
            # LMTP answers once per recipient, in order.
            return "\r\n".join(answers)
        # SMTP has one answer for the message: try again later if any recipient could not be handled now (those that
        # were handled are not handled twice: every feature's handling is idempotent).
        return TRY_LATER if TRY_LATER in answers else ACCEPTED


def server_factory(handler: Handler) -> Callable[[], SMTP]:
    protocol = LMTP if handler.lmtp else SMTP
    limit = settings.MAIL_RECEIVER_MAX_BYTES

    def make() -> SMTP:
        return protocol(
            handler, data_size_limit=limit, enable_SMTPUTF8=True, ident="Task force portal",
            hostname=settings.CALENDAR_REPLY_ADDRESS.rsplit("@", 1)[-1] or "localhost",
        )

    return make


def split_address(value: str) -> tuple[str, int]:
    """"host:port" (IPv6 in brackets) as a (host, port) pair; ValueError when it is not one."""
    host, _, port = value.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"Give the receiver's address as host:port, not {value!r}.")
    return host, int(port)


async def serve(host: str, port: int, *, lmtp: bool, ready: Callable[[], None] | None = None) -> None:
    """Listen until cancelled."""
    # aiosmtpd logs every command at INFO, addresses (and their tokens) included: only its warnings are kept.
    logging.getLogger("mail.log").setLevel(max(logging.WARNING, logging.getLogger("mail.log").level))
    loop = asyncio.get_running_loop()
    handler = Handler(lmtp=lmtp)
    server = await loop.create_server(server_factory(handler), host=host, port=port)
    logger.info("mail receiver listening", extra={"address": f"{host}:{port}", "protocol": "lmtp" if lmtp else "smtp"})
    if ready:
        ready()
    try:
        async with server:
            await server.serve_forever()
    finally:
        handler.pool.shutdown(wait=True, cancel_futures=False)
