"""Have I Been Pwned: the breach API (v3) and the Pwned Passwords range API.

Everything here is transport and parsing; nothing touches the database. Callers name the host
to the user before the first call (see :func:`exposure.net.http.describe_host`).

- :class:`HibpClient` talks to ``https://haveibeenpwned.com/api/v3``. Looking up an email needs
  an API key (``hibp-api-key`` header); the full breach list (``/breaches``) does not. Requests
  are paced at ``60 / Rpm`` seconds, ``Rpm`` read from ``/subscription/status`` (10 when it
  cannot be read), and a 429 is honoured with its ``retry-after``. Time is injected
  (:class:`Clock`) so tests never sleep.
- :class:`PwnedPasswordsClient` sends only the first 5 hex characters of a password's SHA-1,
  asks for a padded answer and compares the suffixes locally (k-anonymity). The password and
  its full hash never leave this process and are never stored.
- :class:`Breach` parses HIBP's breach model leniently; :func:`html_to_text` turns its HTML
  ``Description`` into safe plain text.
"""

from __future__ import annotations

import hashlib
import html
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from exposure.core.errors import NetworkError, SecretError
from exposure.core.validate import has_control_chars
from exposure.net.http import describe_host, limited_stream, make_client, request_with_retries

if TYPE_CHECKING:
    import httpx

API_KEY_URL = "https://haveibeenpwned.com/API/Key"
DEFAULT_RPM = 10  #: the lowest subscription ("Pwned 1"): 10 requests a minute
PACING_MARGIN = 0.1  #: seconds added to every pause, so clock skew never tips us over the limit
MAX_429_ROUNDS = 3  #: each round is up to 3 tries (request_with_retries retries a 429 twice)
BREACH_LIST_MAX_BYTES = 32 * 1024 * 1024

#: HIBP's boolean flags, by the names we store them under.
FLAGS = {
    "IsVerified": "verified",
    "IsFabricated": "fabricated",
    "IsSensitive": "sensitive",
    "IsRetired": "retired",
    "IsSpamList": "spam_list",
    "IsMalware": "malware",
    "IsSubscriptionFree": "subscription_free",
    "IsStealerLog": "stealer_log",
}


# --- time -------------------------------------------------------------------------------------


class Clock:
    """Monotonic time and sleeping; tests pass a fake one that only pretends to sleep."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


SYSTEM_CLOCK = Clock()


def default_clock() -> Clock:
    """The clock used when none is given (tests monkeypatch this)."""
    return SYSTEM_CLOCK


class Pacer:
    """Keeps at least ``60 / rpm`` seconds (plus a margin) between two requests.

    Any 60-second window then holds at most ``rpm`` requests, so a long list of emails never
    trips the limit. Spacing is measured from the end of one answer to the start of the next
    request, which is stricter than the server's view (start to start).
    """

    def __init__(self, rpm: int, now: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._now = now
        self._sleep = sleep
        self.rpm = rpm
        self._last: float | None = None

    @property
    def rpm(self) -> int:
        return self._rpm

    @rpm.setter
    def rpm(self, value: int) -> None:
        self._rpm = max(1, int(value))
        self.interval = 60.0 / self._rpm + PACING_MARGIN

    def wait(self) -> None:
        """Sleep until the next request may start."""
        if self._last is not None:
            pause = self._last + self.interval - self._now()
            if pause > 0:
                self._sleep(pause)

    def mark(self) -> None:
        """Record that a request has just been answered."""
        self._last = self._now()


# --- the breach model -------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment: tags dropped, link text kept, scripts skipped."""

    _BLOCK = frozenset({"p", "div", "br", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
    _SKIP = frozenset({"script", "style", "template", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(fragment: str | None, *, max_length: int = 4000) -> str:
    """HIBP's HTML ``Description`` as one line of safe plain text.

    Tags are stripped (the text of links is kept, their URLs are not), entities unescaped,
    script and style content dropped, control characters removed and whitespace collapsed.
    The result is plain text: show it without markup interpretation.
    """
    if not fragment:
        return ""
    parser = _TextExtractor()
    try:
        parser.feed(fragment)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # HTMLParser is lenient; this is a last resort for pathological input
        text = html.unescape(fragment)
    # Unescape once more for double-escaped entities (``&amp;quot;``) seen in the wild; a
    # literal "<" that results is plain text, never markup.
    text = html.unescape(text)
    if has_control_chars(text):
        text = "".join(" " if has_control_chars(ch) else ch for ch in text)
    text = " ".join(text.split())
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


def _clean_line(value: Any, max_length: int = 300) -> str:
    if not isinstance(value, str):
        return ""
    text = "".join(" " if has_control_chars(ch) else ch for ch in value)
    return " ".join(text.split())[:max_length]


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


@dataclass(frozen=True, slots=True)
class Breach:
    """One breach as HIBP describes it (lenient: unknown fields are ignored)."""

    name: str  #: stable Pascal-case id, e.g. "Adobe"
    title: str  #: for display
    domain: str  #: primary website, lower case; "" when the breach has none (spam lists, combos)
    breach_date: str | None  #: YYYY-MM-DD
    added_date: str | None
    modified_date: str | None
    pwn_count: int | None
    description_html: str
    data_classes: tuple[str, ...]
    flags: dict[str, bool] = field(default_factory=dict)
    logo_path: str | None = None

    @property
    def description_text(self) -> str:
        return html_to_text(self.description_html)

    @property
    def fabricated(self) -> bool:
        return self.flags.get("fabricated", False)

    @classmethod
    def from_api(cls, data: Any) -> Breach:
        """Parse one breach model; raises :class:`NetworkError` if it has no usable ``Name``."""
        if not isinstance(data, dict):
            raise NetworkError("Have I Been Pwned sent a breach that is not an object")
        name = _clean_line(data.get("Name"), 200)
        if not name:
            raise NetworkError("Have I Been Pwned sent a breach without a name")
        classes = data.get("DataClasses")
        data_classes = tuple(
            sorted({c for c in (_clean_line(x, 100) for x in classes or ()) if c})
            if isinstance(classes, list)
            else ()
        )
        breach_date = _clean_line(data.get("BreachDate"), 10) or None
        description = data.get("Description")
        return cls(
            name=name,
            title=_clean_line(data.get("Title"), 300) or name,
            domain=_clean_line(data.get("Domain"), 253).lower(),
            breach_date=breach_date,
            added_date=_clean_line(data.get("AddedDate"), 40) or None,
            modified_date=_clean_line(data.get("ModifiedDate"), 40) or None,
            pwn_count=_int(data.get("PwnCount")),
            description_html=description if isinstance(description, str) else "",
            data_classes=data_classes,
            flags={ours: bool(data.get(theirs)) for theirs, ours in FLAGS.items() if theirs in data},
            logo_path=_clean_line(data.get("LogoPath"), 500) or None,
        )


def parse_breaches(payload: Any, where: str) -> list[Breach]:
    """A JSON array of breach models; entries without a name are skipped."""
    if not isinstance(payload, list):
        raise NetworkError(f"{where} did not answer with a list of breaches")
    out: list[Breach] = []
    for item in payload:
        try:
            out.append(Breach.from_api(item))
        except NetworkError:
            continue
    return out


# --- the breach API ---------------------------------------------------------------------------


def missing_key_message() -> str:
    return (
        "checking an email address needs a Have I Been Pwned API key: get one at "
        f"{API_KEY_URL}, then store it with `exposure secrets set hibp`"
    )


class HibpClient:
    """A paced client of the HIBP v3 API. Use as a context manager (it owns its httpx client)."""

    def __init__(
        self,
        api_url: str,
        api_key: str | None = None,
        *,
        clock: Clock | None = None,
        http: httpx.Client | None = None,
        rpm: int | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.host = describe_host(self.api_url)
        self._key = api_key or None
        self.clock = clock or default_clock()
        self._http = http or make_client()
        self._owns_http = http is None
        self.slept = 0.0  #: seconds slept so far (pacing, retry-after and backoff)
        self.pacer = Pacer(rpm or DEFAULT_RPM, self.clock.now, self._sleep)
        self._rpm_known = rpm is not None

    # context management
    def __enter__(self) -> HibpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    @property
    def has_key(self) -> bool:
        return self._key is not None

    # plumbing
    def _get(self, path: str, *, params: dict[str, str] | None = None, keyed: bool) -> httpx.Response:
        headers: dict[str, str] = {}
        if keyed:
            if not self._key:
                raise SecretError(missing_key_message())
            headers["hibp-api-key"] = self._key
        url = f"{self.api_url}{path}"
        for _ in range(MAX_429_ROUNDS):
            self.pacer.wait()
            try:
                # request_with_retries retries timeouts, 502/504 and 429 (after retry-after),
                # sleeping through our clock.
                response = request_with_retries(
                    self._http,
                    "GET",
                    url,
                    retries=2,
                    backoff=2.0,
                    sleep=self._sleep,
                    retry_statuses=frozenset({502, 504}),
                    headers=headers,
                    params=params,
                )
            finally:
                self.pacer.mark()
            if response.status_code != 429:
                return response
            self._sleep(_retry_after(response))
        raise NetworkError(
            f"{self.host} kept answering 429 Too Many Requests; try again in a minute"
            " (the key's rate limit is lower than its subscription says)"
        )

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.clock.sleep(seconds)
            self.slept += seconds

    def _fail(self, response: httpx.Response, what: str) -> NetworkError | SecretError:
        status = response.status_code
        if status == 400:
            return NetworkError(
                f"{self.host} refused {what}: not an acceptable account format (400 Bad Request)"
            )
        if status == 401:
            return SecretError(
                f"{self.host} rejected the API key (401 Unauthorized)",
                hint=f"check it, store it again with `exposure secrets set hibp`, or get one at {API_KEY_URL}",
            )
        if status == 403:
            return NetworkError(
                f"{self.host} refused the request (403 Forbidden: the user agent is missing or blocked)"
            )
        if status == 429:
            return NetworkError(f"{self.host} is rate limiting us (429); try again in a minute")
        if status == 503:
            return NetworkError(
                f"{self.host} is unavailable right now (503 Service Unavailable); try again later"
            )
        return NetworkError(f"{self.host} answered {status} to {what}")

    def _json(self, response: httpx.Response, what: str) -> Any:
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise NetworkError(f"{self.host} sent something that is not JSON for {what}") from None

    # endpoints
    def subscription_rpm(self) -> int:
        """Requests per minute allowed for this key (``Rpm`` of ``/subscription/status``).

        Falls back to 10 when the status cannot be read; a rejected key raises (401).
        The pacer is set to the answer.
        """
        if self._rpm_known:
            return self.pacer.rpm
        response = self._get("/subscription/status", keyed=True)
        rpm = DEFAULT_RPM
        if response.status_code == 401:
            raise self._fail(response, "the subscription status")
        if response.status_code == 200:
            try:
                data = self._json(response, "the subscription status")
            except NetworkError:
                data = None
            value = _int(data.get("Rpm")) if isinstance(data, dict) else None
            if value is not None and value > 0:
                rpm = value
        self.pacer.rpm = rpm
        self._rpm_known = True
        return rpm

    def breached_account(self, account: str) -> list[Breach]:
        """Every breach the account is in, with the full breach model (404 means none)."""
        what = "the account lookup"
        response = self._get(
            f"/breachedaccount/{quote(account, safe='')}",
            params={"truncateResponse": "false"},
            keyed=True,
        )
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise self._fail(response, what)
        return parse_breaches(self._json(response, what), self.host)

    def all_breaches(self) -> list[Breach]:
        """The free list of every breach (``/breaches``); needs no key."""
        url = f"{self.api_url}/breaches"
        self.pacer.wait()
        try:
            with limited_stream(self._http, url, max_bytes=BREACH_LIST_MAX_BYTES) as (response, read):
                if response.status_code != 200:
                    response.read()
                    raise self._fail(response, "the breach list")
                body = read()
        finally:
            self.pacer.mark()
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise NetworkError(f"{self.host} sent a breach list that is not JSON") from None
        return parse_breaches(payload, self.host)


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("retry-after", "").strip()
    try:
        return max(1.0, float(value))
    except ValueError:
        return 2.0


# --- Pwned Passwords ---------------------------------------------------------------------------


def sha1_split(password: str) -> tuple[str, str]:
    """(5-character prefix, 35-character suffix) of the password's upper-case SHA-1."""
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    return digest[:5], digest[5:]


def parse_range(body: str) -> dict[str, int]:
    """``SUFFIX:COUNT`` lines -> {suffix: count}; padding lines (count 0) and junk are dropped."""
    out: dict[str, int] = {}
    for line in body.splitlines():
        suffix, sep, count = line.strip().partition(":")
        if not sep or len(suffix) != 35 or not count.isdigit():
            continue
        n = int(count)
        if n > 0:
            out[suffix.upper()] = n
    return out


class PwnedPasswordsClient:
    """The k-anonymity range API: only a 5-character hash prefix is ever sent.

    Answers are cached per prefix in memory for the life of the client (they are public data,
    not the user's): one import with a reused password asks once.
    """

    def __init__(
        self, base_url: str, *, http: httpx.Client | None = None, clock: Clock | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.host = describe_host(self.base_url)
        self.clock = clock or default_clock()
        self._http = http or make_client()
        self._owns_http = http is None
        self._ranges: dict[str, dict[str, int]] = {}
        self.requests = 0

    def __enter__(self) -> PwnedPasswordsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def range(self, prefix: str) -> dict[str, int]:
        prefix = prefix.upper()
        if len(prefix) != 5 or any(ch not in "0123456789ABCDEF" for ch in prefix):
            raise ValueError("a range prefix is exactly 5 hex characters")
        if prefix not in self._ranges:
            self.requests += 1
            response = request_with_retries(
                self._http,
                "GET",
                f"{self.base_url}/range/{prefix}",
                sleep=self.clock.sleep,
                headers={"Add-Padding": "true"},
            )
            if response.status_code != 200:
                raise NetworkError(f"{self.host} answered {response.status_code} to a password range lookup")
            self._ranges[prefix] = parse_range(response.text)
        return self._ranges[prefix]


def pwned_count(client: PwnedPasswordsClient, password: str) -> int:
    """How often the password appears in Pwned Passwords (0: not found). Sends 5 hex chars."""
    if not password:
        return 0
    prefix, suffix = sha1_split(password)
    return client.range(prefix).get(suffix, 0)


PasswordCheck = Callable[[str], int]
