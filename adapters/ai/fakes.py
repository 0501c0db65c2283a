"""A local fake of the Gemini API (generativelanguage.googleapis.com) speaking its REST contract
over a real socket, for tests and the offline demo. google-genai reaches it unchanged through
`HttpOptions(base_url=...)`.

`POST /{version}/models/{model}:generateContent | :embedContent | :batchEmbedContents |
:countTokens` with the key in `x-goog-api-key`. Answers are deterministic: a summary echoing the
prompt, or what a test queued; JSON requests get an object shaped by the requested schema;
embeddings are hashed bag-of-words vectors (texts sharing words are near). Tokens are counted as
words. Behaviours are programmed per key and model: a 429 with a RetryInfo delay, a 5xx with
Retry-After, a slow answer, invalid JSON, an invalid key. Every request body is kept, so a test
can check what left the server.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_DIMENSIONS = 768
_PATH = re.compile(r"^/(v1beta|v1)/models/([A-Za-z0-9._-]+):([A-Za-z]+)$")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Received:
    """One request as the fake saw it."""

    model: str
    method: str  # generateContent, embedContent, batchEmbedContents, countTokens
    api_key: str
    body: dict[str, Any]
    raw: str

    def texts(self) -> list[str]:
        """Every text part of the request, wherever it sits in the body."""
        return list(_texts(self.body))


@dataclass
class Rule:
    """A behaviour for matching requests: `times` of them (None: every one)."""

    kind: str  # quota, error, slow, invalid_json, invalid_key
    key: str | None = None
    model: str | None = None
    times: int | None = None
    status: int = 500
    delay: str = "17s"
    seconds: float = 0.0
    retry_after: str | None = None

    def matches(self, received: Received) -> bool:
        return (
            (self.times is None or self.times > 0)
            and self.key in (None, received.api_key)
            and self.model in (None, received.model)
        )

    def use(self) -> None:
        if self.times is not None:
            self.times -= 1


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeGemini:
    """A threaded HTTP server answering like the Gemini API."""

    def __init__(self, models: tuple[str, ...] | None = None) -> None:
        self.requests: list[Received] = []
        self.rules: list[Rule] = []
        self.answers: deque[str] = deque()  # queued answer texts, used before the default
        self.models = models  # None: every model exists
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- life --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeGemini:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without this, Nagle's algorithm holds the
            # body for the client's delayed ACK (40 ms a request on keep-alive connections).
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                reply = fake.handle(self.path, self.headers.get("x-goog-api-key", ""), raw)
                data = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    return  # the client gave up waiting (a slow answer past its time-out)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- programming it ----------------------------------------------------------------------

    def quota(
        self,
        key: str | None = None,
        model: str | None = None,
        times: int | None = None,
        delay: str = "17s",
    ) -> None:
        """429 RESOURCE_EXHAUSTED with a google.rpc.RetryInfo `retryDelay`."""
        self.rules.append(Rule("quota", key, model, times, delay=delay))

    def error(
        self,
        status: int = 500,
        key: str | None = None,
        model: str | None = None,
        times: int | None = None,
        retry_after: str | None = None,
    ) -> None:
        """A server error (500, 503, ...), with a Retry-After header if given."""
        self.rules.append(Rule("error", key, model, times, status=status, retry_after=retry_after))

    def slow(
        self,
        seconds: float,
        key: str | None = None,
        model: str | None = None,
        times: int | None = None,
    ) -> None:
        self.rules.append(Rule("slow", key, model, times, seconds=seconds))

    def invalid_json(
        self, key: str | None = None, model: str | None = None, times: int | None = None
    ) -> None:
        """A generateContent answer that is not JSON although JSON was asked for."""
        self.rules.append(Rule("invalid_json", key, model, times))

    def invalid_key(self, key: str) -> None:
        """The key is refused as Gemini refuses one: 400 INVALID_ARGUMENT, API_KEY_INVALID."""
        self.rules.append(Rule("invalid_key", key))

    def answer(self, *texts: str) -> None:
        """Answer the next generateContent requests with these texts, in order."""
        self.answers.extend(texts)

    def answer_json(self, *values: object) -> None:
        self.answer(*(json.dumps(v, ensure_ascii=False) for v in values))

    def bodies(self) -> list[str]:
        """Every request body received, as sent."""
        return [r.raw for r in self.requests]

    def calls(self, method: str | None = None) -> list[Received]:
        return [r for r in self.requests if method in (None, r.method)]

    # -- answering ---------------------------------------------------------------------------

    def handle(self, path: str, api_key: str, raw: bytes) -> Reply:
        match = _PATH.match(path.split("?")[0])
        if match is None:
            return _error(404, "NOT_FOUND", f"no route {path}")
        _, model, method = match.groups()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return _error(400, "INVALID_ARGUMENT", "the body is not JSON")
        received = Received(model, method, api_key, body, raw.decode(errors="replace"))
        with self._lock:
            self.requests.append(received)
            rules = self._rules_for(received)
        for rule in rules:
            if rule.kind == "slow":
                time.sleep(rule.seconds)
            refusal = _refusal(rule)
            if refusal is not None:
                return refusal
        if self.models is not None and model not in self.models:
            return _error(404, "NOT_FOUND", f"models/{model} is not found for API version")
        invalid = any(rule.kind == "invalid_json" for rule in rules)
        return self._answer(received, invalid)

    def _rules_for(self, received: Received) -> list[Rule]:
        """The behaviours that apply to this request (each counted as used). Invalid JSON
        applies only where JSON was asked for."""
        chosen = []
        for rule in self.rules:
            if rule.kind == "invalid_json" and not _wants_json(received):
                continue
            if rule.matches(received):
                rule.use()
                chosen.append(rule)
        return chosen

    def _answer(self, received: Received, invalid_json: bool) -> Reply:
        method = received.method
        if method == "generateContent":
            return Reply(200, self._generated(received, invalid_json))
        if method == "countTokens":
            return Reply(200, {"totalTokens": _tokens(received.texts())})
        if method == "embedContent":
            return Reply(200, {"embedding": {"values": _embedding_of(received.body)}})
        if method == "batchEmbedContents":
            requests = received.body.get("requests", [])
            return Reply(
                200,
                {
                    "embeddings": [{"values": _embedding_of(r)} for r in requests],
                    "usageMetadata": {"promptTokenCount": _tokens(received.texts())},
                },
            )
        return _error(404, "NOT_FOUND", f"method {method} is not supported")

    def _generated(self, received: Received, invalid_json: bool) -> dict[str, Any]:
        with self._lock:
            queued = self.answers.popleft() if self.answers and not invalid_json else None
        if invalid_json:
            text = "Maaf, ini bukan JSON {"
        elif queued is not None:
            text = queued
        elif _wants_json(received):
            text = json.dumps(_example(_schema_of(received.body)), ensure_ascii=False)
        else:
            text = _summary(received)
        prompt_tokens, answer_tokens = _tokens(received.texts()), _tokens([text])
        return {
            "candidates": [
                {
                    "content": {"parts": [{"text": text}], "role": "model"},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": prompt_tokens,
                "candidatesTokenCount": answer_tokens,
                "totalTokenCount": prompt_tokens + answer_tokens,
            },
            "modelVersion": received.model,
            "responseId": hashlib.sha256(received.raw.encode()).hexdigest()[:16],
        }


# -- the wire's error bodies -----------------------------------------------------------------


def _error(
    code: int,
    status: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return Reply(code, {"error": error}, headers or {})


def _refusal(rule: Rule) -> Reply | None:
    if rule.kind == "quota":
        retry = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": rule.delay}
        return _error(
            429,
            "RESOURCE_EXHAUSTED",
            "You exceeded your current quota, please check your plan and billing details.",
            [retry],
        )
    if rule.kind == "error":
        status = {500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
        headers = {"Retry-After": rule.retry_after} if rule.retry_after else {}
        return _error(
            rule.status,
            status.get(rule.status, "INTERNAL"),
            "An internal error has occurred.",
            headers=headers,
        )
    if rule.kind == "invalid_key":
        info = {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
        }
        return _error(
            400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [info]
        )
    return None


# -- deterministic answers -------------------------------------------------------------------


def _texts(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for name, item in value.items():
            if name == "text" and isinstance(item, str):
                found.append(item)
            else:
                found.extend(_texts(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_texts(item))
    return found


def _tokens(texts: list[str]) -> int:
    return sum(len(_WORD.findall(t)) for t in texts)


def _wants_json(received: Received) -> bool:
    config = received.body.get("generationConfig") or {}
    return bool(config.get("responseMimeType") == "application/json")


def _schema_of(body: dict[str, Any]) -> dict[str, Any]:
    config = body.get("generationConfig") or {}
    schema = config.get("responseJsonSchema") or config.get("responseSchema") or {}
    return schema if isinstance(schema, dict) else {}


def _example(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """A value of the schema's shape: what a model that follows the schema might say."""
    defs = defs if defs is not None else schema.get("$defs", {})
    if "$ref" in schema:
        return _example(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), defs)
    for alternative in ("anyOf", "oneOf", "allOf"):
        if schema.get(alternative):
            return _example(schema[alternative][0], defs)
    if schema.get("enum"):
        return schema["enum"][0]
    kind = str(schema.get("type", "object")).lower()
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: _example(value, defs) for name, value in properties.items()}
    if kind == "array":
        items = max(1, int(schema.get("minItems", 1)))  # as many as the schema asks for
        return [_example(schema.get("items", {"type": "string"}), defs) for _ in range(items)]
    return {"string": "contoh", "integer": 0, "number": 0, "boolean": False}.get(kind)


def _summary(received: Received) -> str:
    """The last user text echoed back (its first 300 characters) after a count of its words."""
    contents = received.body.get("contents") or []
    asked = " ".join(" ".join(_texts(contents[-1:])).split()) if contents else ""
    return f"Ringkasan ({len(_WORD.findall(asked))} kata): {asked[:300]}"


def _embedding_of(request: dict[str, Any]) -> list[float]:
    dimensions = int(request.get("outputDimensionality") or DEFAULT_DIMENSIONS)
    return hashed_bag_of_words(" ".join(_texts(request.get("content", {}))), dimensions)


def hashed_bag_of_words(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """Each lower-cased word adds ±1 at a position its hash picks; the vector has unit length
    (zero for a text without words). Texts sharing words have a high cosine similarity."""
    vector = [0.0] * dimensions
    for word in _WORD.findall(text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        position = int.from_bytes(digest[:4], "big") % dimensions
        vector[position] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector
