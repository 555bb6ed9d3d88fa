"""The one httpx client factory: a clear user agent, timeouts, bounded retries, size limits.

Callers name the host to the user before calling (see :func:`describe_host`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from exposure import __version__
from exposure.core.errors import NetworkError

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"exposure/{__version__} (local-first personal data-exposure scanner)"
DEFAULT_TIMEOUT = 20.0
MAX_BYTES = 64 * 1024 * 1024  #: default size limit of one download


def describe_host(url: str) -> str:
    """The host a URL will contact, for the 'Contacting ...' message shown before any call."""
    return urlsplit(url).hostname or url


def make_client(
    *, headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT, base_url: str = ""
) -> httpx.Client:
    import httpx

    merged = {"user-agent": USER_AGENT}
    merged.update(headers or {})
    return httpx.Client(
        headers=merged,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        base_url=base_url,
    )


def request_with_retries(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    retry_statuses: frozenset[int] = frozenset({500, 502, 503, 504}),
    **kwargs: object,
) -> httpx.Response:
    """Send a request, retrying timeouts, connection errors and 5xx with exponential backoff.

    429 is retried after its ``retry-after`` header. Raises :class:`NetworkError` with a
    one-line message when it still fails.
    """
    import httpx

    host = describe_host(str(client.base_url.join(url)) if client.base_url else url)
    attempt = 0
    while True:
        try:
            response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.TimeoutException:
            if attempt >= retries:
                raise NetworkError(
                    f"{host} did not answer in time (timed out after {retries + 1} tries)"
                ) from None
        except httpx.TransportError as exc:
            if attempt >= retries:
                raise NetworkError(f"cannot reach {host}: {type(exc).__name__}") from None
        else:
            if response.status_code == 429 and attempt < retries:
                sleep(retry_after_seconds(response, default=backoff * 2**attempt))
                attempt += 1
                continue
            if response.status_code not in retry_statuses or attempt >= retries:
                return response
        sleep(backoff * 2**attempt)
        attempt += 1


def retry_after_seconds(response: httpx.Response, default: float) -> float:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return default


@contextmanager
def limited_stream(
    client: httpx.Client, url: str, *, max_bytes: int = MAX_BYTES, headers: dict[str, str] | None = None
) -> Iterator[tuple[httpx.Response, Callable[[], bytes]]]:
    """GET ``url`` as a stream; the reader returns the body, refusing more than ``max_bytes``."""
    import httpx

    host = describe_host(url)
    try:
        with client.stream("GET", url, headers=headers) as response:

            def read() -> bytes:
                chunks: list[bytes] = []
                size = 0
                try:
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise NetworkError(
                                f"{host} sent more than {max_bytes // (1024 * 1024)} MB; refused"
                            )
                        chunks.append(chunk)
                except httpx.TransportError as exc:
                    raise NetworkError(f"the download from {host} broke off ({type(exc).__name__})") from None
                return b"".join(chunks)

            yield response, read
    except httpx.TimeoutException:
        raise NetworkError(f"{host} did not answer in time") from None
    except httpx.TransportError as exc:
        raise NetworkError(f"cannot reach {host}: {type(exc).__name__}") from None
