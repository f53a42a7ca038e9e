"""Outgoing e-mail through SMTP (a real server; tests run one on loopback)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from vmre.core.config import SmtpSettings


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None


class Mailer:
    def __init__(self, settings: SmtpSettings | None = None) -> None:
        self.settings = settings or SmtpSettings.from_env()

    def build(self, mail: Mail) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.settings.sender
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg.set_content(mail.text)
        if mail.html:
            msg.add_alternative(mail.html, subtype="html")
        return msg

    def send_many(self, mails: list[Mail]) -> int:
        """Send over one connection; returns how many the server accepted."""
        if not mails:
            return 0
        s = self.settings
        with smtplib.SMTP(s.host, s.port, timeout=30) as smtp:
            if s.starttls:
                smtp.starttls()
            if s.username:
                smtp.login(s.username, s.password or "")
            for mail in mails:
                smtp.send_message(self.build(mail))
        return len(mails)

    def send_each(self, mails: list[Mail]) -> list[bool]:
        """Send over one connection; for each mail, whether the server took it. A mail the
        server refuses (recipient, size) does not stop the others; a failure of the
        connection itself raises, and the caller keeps every mail not marked taken."""
        if not mails:
            return []
        s = self.settings
        taken: list[bool] = []
        with smtplib.SMTP(s.host, s.port, timeout=30) as smtp:
            if s.starttls:
                smtp.starttls()
            if s.username:
                smtp.login(s.username, s.password or "")
            for mail in mails:
                try:
                    smtp.send_message(self.build(mail))
                    taken.append(True)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                        smtplib.SMTPDataError):
                    taken.append(False)
                    smtp.rset()
        return taken

    def send(self, mail: Mail) -> None:
        self.send_many([mail])
