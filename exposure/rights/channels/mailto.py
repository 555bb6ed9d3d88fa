"""A ``mailto:`` link (RFC 6068) that opens the user's mail program with the request filled in."""

from __future__ import annotations

from urllib.parse import quote

from exposure.core.errors import ValidationError
from exposure.core.validate import clean_email
from exposure.rights.channels import Outgoing, check_outgoing

#: Many mail programs and browsers cut mailto links longer than this.
SAFE_LENGTH = 2000


def mailto_url(out: Outgoing) -> str:
    """The link. Line breaks in the body become %0D%0A as RFC 6068 asks."""
    check_outgoing(out)
    if not out.to:
        raise ValidationError(f"request {out.request_id} has no email address for a mailto: link")
    to = clean_email(out.to, "recipient address")
    body = out.body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    query = f"subject={quote(out.subject, safe='')}&body={quote(body, safe='')}"
    if out.in_reply_to:
        query += f"&In-Reply-To={quote(out.in_reply_to, safe='')}"
    return f"mailto:{quote(to, safe='@')}?{query}"


def is_too_long(url: str) -> bool:
    return len(url) > SAFE_LENGTH
