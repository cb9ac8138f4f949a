"""Leaving the process: e-mail over SMTP and webhook POSTs over HTTP. No business rules here."""

from __future__ import annotations

import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int = 25
    sender: str = "subplane@localhost"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings) -> SmtpMailer | None:
        if not settings.smtp_host:
            return None
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_username,
                   settings.smtp_password, settings.smtp_starttls)

    def send(self, *, to: str, subject: str, body: str, language: str, headers: dict[str, str] | None = None) -> None:
        message = EmailMessage()
        message.set_content(body)  # first: it replaces every Content-* header
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="subplane.local")
        message["Content-Language"] = language
        for name, value in (headers or {}).items():
            message[name] = value
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


@dataclass(frozen=True)
class HttpAnswer:
    status_code: int | None
    error: str | None  # None when the receiver accepted (2xx)


def post_json(url: str, body: bytes, headers: dict[str, str], *, timeout: float = 10.0) -> HttpAnswer:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - operator-configured URL
            return HttpAnswer(answer.status, None)
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        return HttpAnswer(None, f"{type(error).__name__}: {getattr(error, 'reason', error)}")
