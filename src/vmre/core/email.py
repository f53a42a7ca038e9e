"""Outgoing e-mail through SMTP (a real server; tests run one on loopback)."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from vmre.core.config import SmtpSettings

# An address people can be written to: one @, a dot in the domain, a top level of 2+ letters.
ADDRESS = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']{2,}")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    lang: str | None = None  # the signature's language; None: Spanish and English


def signed(body: str, lang: str | None) -> str:
    """The body between the institution's name and its signature: who writes, whom to call,
    where the privacy notice and the help are (vmre.core.identity; links under
    VMRE_PUBLIC_URL). Every mail the system sends goes through here."""
    from vmre.core.config import public_url
    from vmre.core.identity import current
    from vmre.core.messages import LANGUAGES, text

    org = current()
    langs = (lang,) if lang in LANGUAGES else LANGUAGES
    head = " / ".join(dict.fromkeys(org.name(x) for x in langs))
    lines = []
    for x in langs:
        phones = "; ".join(
            f"{_country(p.country, x)} {p.number}" + (f" ({text('web.footer.free', x)})"
                                                      if p.free else "")
            for p in org.phones)
        lines.append(text("web.mail.signature", x, org=org.name(x), phones=phones,
                          email=org.email, hours=org.hours(x), zone=text("web.time_zone", x),
                          privacy=f"{public_url()}/privacidad?lang={x}",
                          help=f"{public_url()}/ayuda?lang={x}"))
    return f"{head}\n\n{body.rstrip()}\n\n-- \n" + "\n\n".join(lines) + "\n"


def _country(code: str, lang: str) -> str:
    from vmre.core import countries
    from vmre.core.messages import text

    return (countries.name(code, lang) if code else text("web.footer.other_countries", lang)) + ":"


def encode_header(value: str) -> str:
    """RFC 2047: ASCII words stay as they are (readable by any client or filter); each run
    of words with other characters becomes one UTF-8 encoded word."""
    if value.isascii():
        return value
    out: list[str] = []
    run: list[str] = []
    for word in value.split(" "):
        if word.isascii():
            if run:
                out.append(Header(" ".join(run), "utf-8").encode())
                run = []
            out.append(word)
        else:
            run.append(word)
    if run:
        out.append(Header(" ".join(run), "utf-8").encode())
    return " ".join(out)


class Mailer:
    def __init__(self, settings: SmtpSettings | None = None) -> None:
        self.settings = settings or SmtpSettings.from_env()

    def build(self, mail: Mail) -> Message:
        """A UTF-8 text message (with an HTML alternative when given). Built with the
        classic MIME classes: a third of the CPU of `EmailMessage.set_content`, which
        counts when thousands of confirmations go out per minute."""
        text = MIMEText(signed(mail.text, mail.lang), "plain", "utf-8")
        if mail.html:
            msg: Message = MIMEMultipart("alternative")
            msg.attach(text)
            msg.attach(MIMEText(mail.html, "html", "utf-8"))
        else:
            msg = text
        msg["From"] = self.settings.sender
        msg["To"] = mail.to
        msg["Subject"] = encode_header(mail.subject)
        return msg

    @contextmanager
    def _connection(self) -> Iterator[smtplib.SMTP]:
        s = self.settings
        with smtplib.SMTP(s.host, s.port, timeout=30) as smtp:
            if s.starttls:
                smtp.starttls()
            if s.username:
                smtp.login(s.username, s.password or "")
            yield smtp

    def send_many(self, mails: list[Mail]) -> int:
        """Send over one connection; returns how many the server accepted."""
        if not mails:
            return 0
        with self._connection() as smtp:
            for mail in mails:
                smtp.send_message(self.build(mail))
        return len(mails)

    def send_each(self, mails: list[Mail]) -> list[bool]:
        """Send over one connection; for each mail, whether the server took it. A mail the
        server refuses (recipient, size) does not stop the others; a failure of the
        connection itself raises, and the caller keeps every mail not marked taken."""
        if not mails:
            return []
        taken: list[bool] = []
        with self._connection() as smtp:
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
