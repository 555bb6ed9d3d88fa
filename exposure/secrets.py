"""Secrets (SMTP / IMAP passwords, OAuth2 tokens, the HIBP key) live in the OS keyring only.

They are never written to a file, the database or a log, and never put in an error message.
"""

from __future__ import annotations

from exposure.core.errors import SecretError, ValidationError

SERVICE = "exposure"
NAMES: dict[str, str] = {
    "smtp": "password of your outgoing mail (SMTP) account",
    "imap": "password of your mailbox (IMAP) account",
    "imap_token": "OAuth2 access token for IMAP (XOAUTH2), instead of a password",
    "smtp_token": "OAuth2 access token for SMTP (XOAUTH2), instead of a password",
    "hibp": "Have I Been Pwned API key",
}

_NO_BACKEND = (
    "no keyring backend is available on this system, so exposure cannot store secrets; "
    "on a desktop, unlock your keyring (GNOME Keyring, KWallet, macOS Keychain); "
    "on a headless machine, install gnome-keyring or the keyrings.alt package"
)


def _check_name(name: str) -> None:
    if name not in NAMES:
        raise ValidationError(f"unknown secret {name!r}: use one of {', '.join(NAMES)}")


def _backend_error(exc: Exception) -> SecretError:
    from keyring.errors import KeyringLocked, NoKeyringError

    if isinstance(exc, NoKeyringError):
        return SecretError(_NO_BACKEND)
    if isinstance(exc, KeyringLocked):
        return SecretError("the keyring is locked: unlock it and try again")
    return SecretError(f"the keyring refused the operation ({type(exc).__name__})")


def get_secret(name: str) -> str | None:
    """The stored secret, or None when none is stored. Raises SecretError if no backend."""
    _check_name(name)
    import keyring
    from keyring.errors import KeyringError

    try:
        value = keyring.get_password(SERVICE, name)
    except KeyringError as exc:
        raise _backend_error(exc) from None
    return value if isinstance(value, str) else None


def require_secret(name: str) -> str:
    value = get_secret(name)
    if not value:
        raise SecretError(f"no {NAMES[name]} is stored", hint=f"run `exposure secrets set {name}`")
    return value


def set_secret(name: str, value: str) -> None:
    _check_name(name)
    if not value or any(ch in value for ch in "\r\n\0"):
        raise ValidationError("the secret must be one non-empty line")
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, name, value)
    except KeyringError as exc:
        raise _backend_error(exc) from None


def delete_secret(name: str) -> bool:
    """Delete a secret; False if none was stored."""
    _check_name(name)
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, name)
    except PasswordDeleteError:
        return False
    except KeyringError as exc:
        raise _backend_error(exc) from None
    return True
