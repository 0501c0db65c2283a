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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(niaga: Niaga) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_app(niaga), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not instance.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


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
