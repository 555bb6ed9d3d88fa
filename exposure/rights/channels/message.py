"""The email message of a request (sent by SMTP, or exported as ``.eml``).

UTF-8 body (quoted-printable when it is not plain ASCII), RFC 2047 encoded display names and
subject, a valid ``Date`` and ``Message-ID``. Every header value is checked first: a line break
or control character is refused before the email package ever sees it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from exposure.core.errors import ValidationError
from exposure.core.validate import clean_email
from exposure.rights.channels import Outgoing, check_outgoing

#: CRLF line ends, RFC 2047 for non-ASCII headers, lines folded at 78.
SMTP_POLICY = policy.SMTP.clone(max_line_length=78)


def new_message_id(from_addr: str) -> str:
    """A unique Message-ID in the sender's domain (no DNS lookup, unlike make_msgid's default)."""
    domain = from_addr.rsplit("@", 1)[-1].lower() if "@" in from_addr else "exposure.invalid"
    return f"<exposure.{secrets.token_hex(12)}@{domain}>"


def _address(value: str, name: str | None, what: str) -> Address:
    value = clean_email(value, what)
    local, domain = value.rsplit("@", 1)
    return Address(display_name=name or "", username=local, domain=domain)


def build_message(
    out: Outgoing, *, message_id: str, date: datetime, extra_headers: dict[str, str] | None = None
) -> EmailMessage:
    """The message as it goes out. Raises ValidationError on anything unsafe or unfilled."""
    check_outgoing(out)
    if not out.to:
        raise ValidationError(
            f"request {out.request_id} has no email address to send to",
            hint=f"set one with `exposure request edit {out.request_id} --to ADDRESS`, or use another channel",
        )
    if not out.from_addr:
        raise ValidationError(
            "no From address: set smtp.from or add an email to your profile (`exposure profile set --email`)"
        )
    if date.tzinfo is None:
        raise ValueError("date must be timezone-aware")
    for name, value in (("Message-ID", message_id), *((k, v) for k, v in (extra_headers or {}).items())):
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value) or not value.isascii():
            raise ValidationError(f"refusing the {name} header value {value!r}")
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = _address(out.from_addr, out.from_name, "From address")
    msg["To"] = _address(out.to, out.to_name, "recipient address")
    msg["Subject"] = out.subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if out.in_reply_to:
        msg["In-Reply-To"] = out.in_reply_to
        msg["References"] = out.in_reply_to
    for name, value in (extra_headers or {}).items():
        msg[name] = value
    body = out.body.replace("\r\n", "\n").replace("\r", "\n")
    if not body.endswith("\n"):
        body += "\n"
    cte = "7bit" if body.isascii() and max(map(len, body.splitlines() or [""])) <= 998 else "quoted-printable"
    msg.set_content(body, subtype="plain", charset="utf-8", cte=cte)
    if out.language and out.language.isalpha() and out.language.isascii():
        msg["Content-Language"] = out.language  # after set_content, which clears Content-* headers
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The wire form: CRLF line ends, 7-bit clean."""
    return msg.as_bytes(policy=SMTP_POLICY)


def eml_bytes(out: Outgoing, *, message_id: str, date: datetime) -> bytes:
    """An ``.eml`` file of the message; ``X-Unsent: 1`` makes mail programs open it as a draft."""
    return message_bytes(
        build_message(out, message_id=message_id, date=date, extra_headers={"X-Unsent": "1"})
    )
