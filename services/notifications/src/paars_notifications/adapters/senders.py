"""The two outgoing channels besides the stream: signed webhook POSTs (aiohttp) and SMTP e-mail (smtplib in a thread)."""
from __future__ import annotations

import asyncio
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage

import aiohttp

from paars_notifications.config import NotificationsConfig
from paars_notifications.domain.signing import SIGNATURE_HEADER, sign


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""


class WebhookSender:
    def __init__(self, config: NotificationsConfig) -> None:
        self.timeout = aiohttp.ClientTimeout(total=config.webhook_timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def send(self, url: str, secret: str, body: str, *, delivery_id: str, event_type: str) -> Outcome:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
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
                return Outcome(False, f"HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Outcome(False, f"{type(exc).__name__}: {exc}"[:500])

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class EmailSender:
    def __init__(self, config: NotificationsConfig) -> None:
        self.config = config

    async def send(self, to: str, subject: str, text: str, *, delivery_id: str) -> Outcome:
        message = EmailMessage()
        message["From"] = self.config.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = f"<{delivery_id}@paars.notifications>"
        message.set_content(text)
        try:
            await asyncio.to_thread(self._send_sync, message)
            return Outcome(True)
        except (smtplib.SMTPException, OSError) as exc:
            return Outcome(False, f"{type(exc).__name__}: {exc}"[:500])

    def _send_sync(self, message: EmailMessage) -> None:
        c = self.config
        with smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=c.webhook_timeout_seconds) as smtp:
            if c.smtp_starttls:
                smtp.starttls()
            if c.smtp_user:
                smtp.login(c.smtp_user, c.smtp_password)
            smtp.send_message(message)
