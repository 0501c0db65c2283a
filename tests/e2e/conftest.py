"""A real HTTP server (uvicorn on a free port) around a started container."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from adapters.bootstrap import Niaga
from api.main import create_app


@pytest.fixture
def server(niaga: Niaga) -> Iterator[str]:
    # The socket is bound here and handed to uvicorn: probing for a free port and binding it
    # later races with the other test workers doing the same.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(create_app(niaga), log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not instance.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)
    sock.close()


class GraphQL:
    def __init__(self, base_url: str, token: str | None) -> None:
        self.url = f"{base_url}/graphql"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def post(self, query: str, **variables: object) -> httpx.Response:
        return httpx.post(
            self.url,
            json={"query": query, "variables": variables},
            headers=self.headers,
            timeout=10,
        )

    def __call__(self, query: str, **variables: object) -> dict[str, object]:
        response = self.post(query, **variables)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise AssertionError(f"{response.status_code}: {body}")
        data: dict[str, object] = body["data"]
        return data
