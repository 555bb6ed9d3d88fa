"""Sending one message by SMTP from the user's own mailbox.

STARTTLS (port 587), implicit TLS (``ssl``, port 465) or, for a relay on this machine only, a
plain connection. Login with a password or an OAuth2 access token (XOAUTH2). Nothing here
touches the database: the requests service records each attempt before calling :func:`send`.

Every failure is an :class:`SmtpError` (a :class:`NetworkError`) whose ``in_doubt`` says
whether the message may have been delivered: only when the connection was lost after the
whole message was handed to the server and before the server answered. Every other failure
(refused connection, TLS, login, a refused sender or recipient, a refused message) means the
message was certainly not accepted.
"""

from __future__ import annotations

import ipaddress
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field

from exposure.core.errors import NetworkError, ValidationError
from exposure.core.validate import has_control_chars

SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_TIMEOUT = 30.0


class SmtpError(NetworkError):
    """A send failed. ``in_doubt``: the server may have accepted the message anyway."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        in_doubt: bool = False,
        per_message: bool = False,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.in_doubt = in_doubt
        #: the server refused this message or recipient (the next message may go through); False
        #: for problems with the server itself (connection, TLS, login, sender)
        self.per_message = per_message


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)  #: OAuth2 access token (XOAUTH2)
    timeout: float = DEFAULT_TIMEOUT
    context: ssl.SSLContext | None = None  #: TLS trust; None = the system's default trust

    @property
    def auth(self) -> str:
        """How we log in: "xoauth2", "password" or "none"."""
        if self.user and self.token:
            return "xoauth2"
        if self.user and self.password:
            return "password"
        return "none"

    def describe(self) -> str:
        """One line naming the server, for the user before anything is sent (no secret)."""
        login = f" as {self.user}" if self.user else ""
        if self.auth == "xoauth2":
            login += " (OAuth2)"
        return f"{self.host}:{self.port} ({self.security}){login}"


@dataclass(frozen=True)
class Receipt:
    """The server accepted the message."""

    code: int
    reply: str
    host: str


def is_loopback(host: str) -> bool:
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_config(config: SmtpConfig) -> None:
    """Refuse settings that cannot work or would expose the password."""
    if (
        not config.host
        or has_control_chars(config.host)
        or not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", config.host)
    ):
        raise ValidationError(f"smtp.host {config.host!r} is not a host name")
    if config.security not in SECURITY:
        raise ValidationError(f"smtp.security must be one of {', '.join(SECURITY)}")
    if not 0 < config.port < 65536:
        raise ValidationError(f"smtp.port {config.port} is not a port")
    if config.user and has_control_chars(config.user):
        raise ValidationError("smtp.user: control characters are not allowed")
    if config.security == "none" and config.auth != "none" and not is_loopback(config.host):
        raise ValidationError(
            f"refusing to send your SMTP password to {config.host} without encryption",
            hint="set smtp.security to starttls or ssl",
        )


def _xoauth2(user: str, token: str) -> object:
    def answer(challenge: bytes | None = None) -> str:
        # The first call gives the initial response; a second call means the server sent an error
        # challenge (JSON) and waits for an empty line before its final 535 reply.
        return f"user={user}\x01auth=Bearer {token}\x01\x01" if challenge is None else ""

    return answer


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:300]


def _quote_periods(data: bytes) -> bytes:
    return re.sub(rb"(?m)^\.", b"..", data)


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    context = config.context or ssl.create_default_context()
    try:
        if config.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    except ssl.SSLCertVerificationError as exc:
        raise SmtpError(
            f"the TLS certificate of {config.host} could not be verified ({exc.verify_message})",
            hint="check smtp.host: it must be the name on the server's certificate",
        ) from None
    except ssl.SSLError as exc:
        raise SmtpError(
            f"TLS with {config.host}:{config.port} failed ({exc.reason})",
            hint="port 465 uses smtp.security ssl, port 587 uses starttls",
        ) from None
    except TimeoutError:
        raise SmtpError(f"{config.host}:{config.port} did not answer in time") from None
    except socket.gaierror:
        raise SmtpError(f"the SMTP server {config.host} was not found", hint="check smtp.host") from None
    except ConnectionRefusedError:
        raise SmtpError(
            f"{config.host}:{config.port} refused the connection", hint="check smtp.port"
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpError(f"cannot connect to {config.host}:{config.port} ({type(exc).__name__})") from None
    try:
        client.ehlo()
        if config.security == "starttls":
            if not client.has_extn("starttls"):
                raise SmtpError(
                    f"{config.host} does not offer STARTTLS, so the connection cannot be encrypted",
                    hint="use smtp.security ssl with port 465, or ask your provider",
                )
            client.starttls(context=context)
            client.ehlo()
    except ssl.SSLCertVerificationError as exc:
        client.close()
        raise SmtpError(
            f"the TLS certificate of {config.host} could not be verified ({exc.verify_message})",
            hint="check smtp.host: it must be the name on the server's certificate",
        ) from None
    except SmtpError:
        client.close()
        raise
    except (OSError, smtplib.SMTPException) as exc:
        client.close()
        raise SmtpError(f"the TLS handshake with {config.host} failed ({type(exc).__name__})") from None
    return client


def _login(client: smtplib.SMTP, config: SmtpConfig) -> None:
    assert config.user is not None
    try:
        if config.auth == "xoauth2":
            assert config.token is not None
            client.auth("XOAUTH2", _xoauth2(config.user, config.token))  # type: ignore[arg-type]
        else:
            assert config.password is not None
            client.login(config.user, config.password)
    except smtplib.SMTPAuthenticationError as exc:
        what = "OAuth2 token" if config.auth == "xoauth2" else "password"
        raise SmtpError(
            f"{config.host} refused the login of {config.user} ({exc.smtp_code} {_reply_text(exc.smtp_error)})",
            code=exc.smtp_code,
            hint=f"check smtp.user and the {what} (`exposure secrets set "
            f"{'smtp_token' if config.auth == 'xoauth2' else 'smtp'}`)",
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise SmtpError(
            f"{config.host} does not offer login (AUTH) on this connection",
            hint="most servers offer it only after STARTTLS: set smtp.security to starttls or ssl",
        ) from None
    except smtplib.SMTPException as exc:
        raise SmtpError(f"login at {config.host} failed ({type(exc).__name__}: {exc})") from None


def _refusal(config: SmtpConfig, what: str, code: int, reply: bytes | str) -> SmtpError:
    text = _reply_text(reply)
    hint = None
    if code == 530:
        hint = "the server wants an encrypted, logged-in connection: set smtp.security and smtp.user"
    elif code in (550, 553, 554) and what == "sender":
        hint = "smtp.from must be an address your mailbox may send from"
    per_message = what == "message" or what.startswith("recipient")
    return SmtpError(
        f"{config.host} refused the {what} ({code} {text})", code=code, hint=hint, per_message=per_message
    )


def send(config: SmtpConfig, sender: str, recipients: list[str], data: bytes) -> Receipt:
    """Send ``data`` (a whole RFC 5322 message with CRLF line ends) to ``recipients``.

    Raises :class:`SmtpError`; ``in_doubt`` is True only when the connection was lost after
    the message was handed over and before the server's answer.
    """
    check_config(config)
    if not recipients:
        raise ValidationError("no recipient")
    for address in (sender, *recipients):
        if has_control_chars(address) or not address.isascii():
            raise ValidationError(f"refusing the address {address!r}")
    client = _connect(config)
    handed_over = False
    try:
        if config.auth != "none":
            _login(client, config)
        code, reply = client.mail(sender)
        if code != 250:
            raise _refusal(config, "sender", code, reply)
        for rcpt in recipients:
            code, reply = client.rcpt(rcpt)
            if code not in (250, 251):
                raise _refusal(config, f"recipient {rcpt}", code, reply)
        code, reply = client.docmd("DATA")
        if code != 354:
            raise _refusal(config, "message", code, reply)
        payload = _quote_periods(data)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        handed_over = True  # from here on a lost connection leaves us not knowing
        client.send(payload + b".\r\n")
        code, reply = client.getreply()
        if code == -1:
            raise smtplib.SMTPServerDisconnected("no reply")
        if code != 250:
            handed_over = False
            raise _refusal(config, "message", code, reply)
        receipt = Receipt(code=code, reply=_reply_text(reply), host=config.host)
    except SmtpError:
        raise
    except smtplib.SMTPSenderRefused as exc:
        raise _refusal(config, "sender", exc.smtp_code, exc.smtp_error) from None
    except smtplib.SMTPResponseException as exc:
        raise _refusal(config, "message", exc.smtp_code, exc.smtp_error) from None
    except (OSError, smtplib.SMTPException) as exc:
        if handed_over:
            raise SmtpError(
                f"the connection to {config.host} was lost after the message was handed over "
                "and before the server confirmed it; it may or may not have been delivered",
                in_doubt=True,
                hint="a retry resends it with the same Message-ID",
            ) from None
        raise SmtpError(
            f"the connection to {config.host} was lost before the message was sent ({type(exc).__name__})",
            hint="nothing was delivered; try again",
        ) from None
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return receipt
