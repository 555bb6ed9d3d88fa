"""Fixtures for integration tests against real local servers."""

from tests.integration.dovecot import dovecot  # noqa: F401
from tests.integration.smtp_server import smtp_ssl, smtp_starttls, tls_ca, trust_test_ca  # noqa: F401
