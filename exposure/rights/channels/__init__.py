"""Ways a request reaches an organization: one :class:`Outgoing` message, five channels.

* ``email``: sent by SMTP from the user's own mailbox (:mod:`exposure.net.smtp`; the message is
  built by :mod:`.email`);
* ``eml``: the same message as an ``.eml`` file to open and send in any mail program;
* ``mailto``: a ``mailto:`` link that opens the user's mail program with the message filled in;
* ``letter``: a printable letter, as text and as PDF;
* ``web_form``: a checklist for the organization's web form: its URL and the values to paste.

Pure functions: no database, no network. :func:`check_outgoing` is called before anything is
exported or sent: a message with an unfilled placeholder, or a header value with a line break
(header injection), never leaves.
"""

from __future__ import annotations

from dataclasses import dataclass

from exposure.core.errors import ValidationError
from exposure.core.validate import has_control_chars

CHANNELS: tuple[str, ...] = ("email", "eml", "mailto", "letter", "web_form")

CHANNEL_LABELS: dict[str, str] = {
    "email": "email from your mailbox (SMTP)",
    "eml": ".eml file for your mail program",
    "mailto": "mailto: link",
    "letter": "printed letter (PDF or text)",
    "web_form": "the organization's web form",
}


@dataclass(frozen=True)
class Outgoing:
    """Exactly what goes out, whatever the channel."""

    request_id: int
    kind: str  #: request, follow_up, complaint
    subject: str
    body: str
    language: str = "en"
    to: str | None = None  #: recipient email
    to_name: str | None = None  #: organization or regulator name
    from_addr: str | None = None  #: the user's address
    from_name: str | None = None  #: the user's name
    postal_to: str | None = None  #: recipient postal address (letters)
    postal_from: str | None = None  #: the user's postal address, only when disclosed anyway
    url: str | None = None  #: web form / complaint form
    fields: tuple[tuple[str, str], ...] = ()  #: (label, value) pairs for a web form
    steps: tuple[str, ...] = ()  #: the organization's own opt-out steps
    in_reply_to: str | None = None  #: Message-ID of the request a follow-up is about
    right: str | None = None
    citation: str | None = None


def header_values(out: Outgoing) -> dict[str, str | None]:
    return {
        "to": out.to,
        "recipient name": out.to_name,
        "from": out.from_addr,
        "your name": out.from_name,
        "subject": out.subject,
        "in-reply-to": out.in_reply_to,
    }


def check_outgoing(out: Outgoing) -> None:
    """Refuse a message that must not go out: raises ValidationError with a clear message.

    * an unfilled placeholder (``{org_name}``) anywhere in the subject, body or form values;
    * a control character (CR, LF, ...) in any value that becomes a mail header.
    """
    from exposure.rights.draft import unfilled_placeholders

    for name, value in header_values(out).items():
        if value is not None and has_control_chars(value):
            raise ValidationError(
                f"request {out.request_id}: the {name} contains a line break or control character; "
                "refusing it (it could inject mail headers)"
            )
    texts = [out.subject, out.body, *(v for _, v in out.fields)]
    missing = sorted({p for text in texts for p in unfilled_placeholders(text)})
    if missing:
        raise ValidationError(
            f"request {out.request_id} still has unfilled placeholders ({', '.join(missing)}); "
            "edit the draft before exporting or sending it"
        )
    if not out.subject.strip() or not out.body.strip():
        raise ValidationError(f"request {out.request_id} has an empty subject or body")
