"""The two outgoing channels besides the stream: signed webhook POSTs (aiohttp) and SMTP e-mail (smtplib in a
thread). A webhook connects only to addresses the target policy accepted, resolved for that very call, so a
name that changes its answer after registration (DNS rebinding) cannot reach an internal address."""
from __future__ import annotations

import asyncio
import smtplib
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver

from paars_notifications.config import NotificationsConfig
from paars_notifications.domain.addresses import valid_email
from paars_notifications.domain.signing import SIGNATURE_HEADER, sign
from paars_notifications.domain.targets import TargetPolicy, TargetRefused, literal_address

# What the owner of a webhook or an address sees (ListDeadLetters): never what answered or how, which
# would make deliveries a scanner of the network Paars runs in. The detail goes to the logs.
WEBHOOK_FAILED = "the endpoint did not accept the delivery"
WEBHOOK_REFUSED = "the endpoint's address is not allowed for webhooks"
EMAIL_FAILED = "the e-mail could not be handed to the mail server"
EMAIL_REFUSED = "the e-mail address is not valid"
RESOLVE_TIMEOUT_SECONDS = 5.0

Resolve = Callable[[str, int], Awaitable[list[str]]]


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for host (getaddrinfo in the loop's executor)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


async def checked_addresses(policy: TargetPolicy, resolve: Resolve, url: str) -> list[str]:
    """The addresses a webhook URL may be called at now, or TargetRefused (registration and every call)."""
    host, port = policy.check_url(url)
    if literal_address(host) is not None:
        return [host]
    try:
        addresses = await asyncio.wait_for(resolve(host, port), RESOLVE_TIMEOUT_SECONDS)
    except (OSError, TimeoutError):
        raise TargetRefused("the host name does not resolve") from None
    policy.check_addresses(host, addresses)
    return addresses


@dataclass(frozen=True)
class Outcome:
    ok: bool
    # For the owner: one of the generic messages above.
    error: str = ""
    # For operators (logs): what actually happened.
    detail: str = ""
    # No retry can succeed (a refused address, an invalid e-mail address): dead-letter at once.
    permanent: bool = False
    # A bounded label for the failures metric.
    reason: str = ""


class _CheckedResolver(AbstractResolver):
    """aiohttp's resolver, through the target policy: the connector connects only to what was checked."""

    def __init__(self, policy: TargetPolicy, resolve: Resolve) -> None:
        self.policy = policy
        self._resolve = resolve

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[Any]:
        addresses = await self._resolve(host, port)
        self.policy.check_addresses(host, addresses)
        return [
            {"hostname": host, "host": a, "port": port, "family": socket.AF_INET6 if ":" in a else socket.AF_INET, "proto": 0, "flags": socket.AI_NUMERICHOST}
            for a in addresses
        ]

    async def close(self) -> None:
        return None


class WebhookSender:
    def __init__(self, config: NotificationsConfig, policy: TargetPolicy, resolve: Resolve = system_resolve) -> None:
        self.timeout = aiohttp.ClientTimeout(total=config.webhook_timeout_seconds)
        self.policy = policy
        self.resolve = resolve
        self._session: aiohttp.ClientSession | None = None

    async def send(self, url: str, secret: str, body: str, *, delivery_id: str, event_type: str) -> Outcome:
        try:
            self.policy.check_url(url)  # also literal addresses, which aiohttp connects to without resolving
        except TargetRefused as exc:
            return Outcome(False, WEBHOOK_REFUSED, f"refused {url!r}: {exc}", permanent=True, reason="refused")
        if self._session is None:
            connector = aiohttp.TCPConnector(resolver=_CheckedResolver(self.policy, self.resolve), use_dns_cache=False)
            self._session = aiohttp.ClientSession(timeout=self.timeout, connector=connector)
        raw = body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Paars-Webhooks/1",
            # Signed per attempt with the attempt's time, so a receiver's replay window stays short.
            SIGNATURE_HEADER: sign(secret, raw, int(time.time())),
            # Stable across retries: receivers drop repeats by it.
            "Paars-Delivery-Id": delivery_id,
            "Paars-Event-Type": event_type,
        }
        try:
            async with self._session.post(url, data=raw, headers=headers, allow_redirects=False) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return Outcome(True)
                return Outcome(False, WEBHOOK_FAILED, f"HTTP {response.status}", reason="status")
        except TargetRefused as exc:
            return Outcome(False, WEBHOOK_REFUSED, f"refused {url!r} at call time: {exc}", permanent=True, reason="refused")
        except TimeoutError as exc:
            return Outcome(False, WEBHOOK_FAILED, f"{type(exc).__name__}: {exc}"[:500], reason="timeout")
        except (aiohttp.ClientError, OSError) as exc:
            return Outcome(False, WEBHOOK_FAILED, f"{type(exc).__name__}: {exc}"[:500], reason="connection")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class EmailSender:
    def __init__(self, config: NotificationsConfig) -> None:
        self.config = config

    async def send(self, to: str, subject: str, text: str, *, delivery_id: str) -> Outcome:
        if not valid_email(to):
            # Also an address stored before addresses were checked, or one from the directory.
            return Outcome(False, EMAIL_REFUSED, f"invalid address {to[:80]!r}", permanent=True, reason="refused")
        try:
            message = EmailMessage()
            message["From"] = self.config.smtp_from
            message["To"] = to
            message["Subject"] = " ".join(subject.split())
            message["Message-ID"] = f"<{delivery_id}@paars.notifications>"
            message.set_content(text)
        except (ValueError, TypeError) as exc:
            return Outcome(False, EMAIL_REFUSED, f"{type(exc).__name__}: {exc}"[:500], permanent=True, reason="refused")
        try:
            await asyncio.to_thread(self._send_sync, message)
            return Outcome(True)
        except (smtplib.SMTPException, OSError) as exc:
            return Outcome(False, EMAIL_FAILED, f"{type(exc).__name__}: {exc}"[:500], reason="connection")

    def _send_sync(self, message: EmailMessage) -> None:
        c = self.config
        with smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=c.webhook_timeout_seconds) as smtp:
            if c.smtp_starttls:
                smtp.starttls()
            if c.smtp_user:
                smtp.login(c.smtp_user, c.smtp_password)
            smtp.send_message(message)
