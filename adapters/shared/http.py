"""One TLS context for every outgoing HTTP call.

Loading the system's CA bundle into a context costs tens of milliseconds; a context can serve
any number of clients and threads, so it is built once per process, not per client or call.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def tls() -> ssl.SSLContext:
    """The verifying TLS context (the CA bundle httpx trusts, SSL_CERT_FILE honoured)."""
    return httpx.create_ssl_context()
