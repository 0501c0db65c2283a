"""A MikroTik router on a TCP port: the RouterOS API wire protocol over memory-held menus.

`librouteros.connect(host, username, password, port=port)` works against it unchanged, with TLS
(api-ssl) when an `ssl.SSLContext` is given. Tests steer it: latency, failures, a router that
goes away and comes back, reboots that renumber every `.id`, PPPoE and hotspot logins.

Run standalone:
`python -m adapters.routers.routeros.simulator --port 8728 --username admin --password x`.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import socketserver
import ssl
import threading
from collections.abc import Sequence
from types import TracebackType

from adapters.routers.routeros.dispatch import Dispatcher, Reply, Request, Session, trap
from adapters.routers.routeros.faults import Faults
from adapters.routers.routeros.menus import HOTSPOT_ACTIVE, HOTSPOT_USER, PPP_ACTIVE, PPP_SECRET
from adapters.routers.routeros.protocol import ProtocolViolation, WordReader, encode_sentence
from adapters.routers.routeros.state import Hardware, RouterState

_HANDSHAKE_SECONDS = 5.0


class RouterOSSimulator:
    """One simulated router with one API user. Every method is safe to call from any thread."""

    def __init__(
        self,
        username: str = "admin",
        password: str = "",
        *,
        ssl_context: ssl.SSLContext | None = None,
        identity: str = "MikroTik",
        hardware: Hardware | None = None,
    ) -> None:
        self.state = RouterState(identity, hardware)
        self.faults = Faults()
        self.history: list[str] = []
        """Every command word received, in order (login included)."""
        self._dispatcher = Dispatcher(self.state, username, password)
        self._ssl = ssl_context
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._address: tuple[str, int] | None = None
        self._connections: set[socket.socket] = set()
        self._dropped: set[socket.socket] = set()

    # --- lifecycle ------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen (port 0 picks a free one) and return the address clients should use."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        self._stopping.clear()
        self._listen((host, port))
        return self.address

    def stop(self) -> None:
        self._stopping.set()
        self.go_down()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            _shutdown(connection, socket.SHUT_RDWR)

    @property
    def address(self) -> tuple[str, int]:
        if self._address is None:
            raise RuntimeError("the simulator has not been started")
        return self._address

    def go_down(self) -> None:
        """The router goes away: connections close and new ones are refused."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()
        self.drop_connections()

    def come_up(self) -> None:
        """Listen again on the same address."""
        if self._server is None:
            self._stopping.clear()
            self._listen(self.address)

    def drop_connections(self) -> None:
        """Close every open API connection; the router itself stays up.

        The client reads end-of-stream (librouteros: ConnectionClosed) on its next reply.
        """
        with self._lock:
            dropped = self._connections - self._dropped
            self._dropped |= dropped
        for connection in dropped:
            _shutdown(connection, socket.SHUT_WR)

    def reboot(self) -> None:
        """Sessions end, connections drop, uptime restarts, every item gets a new `.id`."""
        with self.state.lock:
            self.state.reboot()
        self.drop_connections()

    def __enter__(self) -> RouterOSSimulator:
        if self._address is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- faults ---------------------------------------------------------------------------

    def set_latency(self, seconds: float, command: str = "") -> None:
        """Delay answers to a command ("/ppp/secret/add"), a menu ("/ppp/secret") or all ("")."""
        self.faults.set_latency(seconds, command)

    def fail_next(
        self, command: str, message: str, *, category: int | None = None, times: int = 1
    ) -> None:
        """The next `times` matching commands answer `!trap` with this message."""
        self.faults.fail_next(command, message, category, times)

    # --- what users of the network do -----------------------------------------------------

    def connect_ppp(self, name: str, address: str, caller_id: str = "") -> str:
        """A PPPoE client dials in with an enabled secret; returns the `/ppp/active` `.id`."""
        with self.state.lock:
            if not self._enabled(PPP_SECRET.path, name):
                raise ValueError(f"no enabled PPP secret named {name!r}")
            values = {"name": name, "address": address, "caller-id": caller_id}
            return self.state.open_session(PPP_ACTIVE.path, values)

    def login_hotspot(self, user: str, address: str, mac_address: str) -> str:
        """A hotspot user logs in; returns the `/ip/hotspot/active` `.id`."""
        with self.state.lock:
            if not self._enabled(HOTSPOT_USER.path, user):
                raise ValueError(f"no enabled hotspot user named {user!r}")
            values = {"user": user, "address": address, "mac-address": mac_address}
            return self.state.open_session(HOTSPOT_ACTIVE.path, values)

    def use_hotspot(
        self, user: str, *, seconds: int = 0, bytes_in: int = 0, bytes_out: int = 0
    ) -> None:
        """A logged-in hotspot user spends time and traffic: its session and the user's own
        `uptime`, `bytes-in` and `bytes-out` counters grow, as RouterOS counts them."""
        with self.state.lock:
            self.state.count_usage(user, seconds, bytes_in, bytes_out)

    def items(self, path: str) -> list[dict[str, str]]:
        """A menu as `print` would show it, values as wire strings."""
        with self.state.lock:
            return self.state.rows(path)

    def _enabled(self, path: str, name: str) -> bool:
        rows = self.state.rows(path)
        return any(row.get("name") == name and row.get("disabled") != "true" for row in rows)

    # --- serving --------------------------------------------------------------------------

    def _listen(self, address: tuple[str, int]) -> None:
        server = _Server(address, self)
        host, port = server.server_address[:2]
        self._address = (str(host), int(port))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def serve(self, raw: socket.socket) -> None:
        """One API connection, until the client leaves or the router drops it."""
        try:
            connection = self._secure(raw)
        except (ssl.SSLError, OSError):
            return
        with self._lock:
            self._connections.add(connection)
        try:
            self._converse(connection)
        except (EOFError, OSError, ProtocolViolation):
            pass
        finally:
            with self._lock:
                self._connections.discard(connection)
                self._dropped.discard(connection)
            connection.close()

    def _secure(self, raw: socket.socket) -> socket.socket:
        if self._ssl is None:
            return raw
        raw.settimeout(_HANDSHAKE_SECONDS)
        connection = self._ssl.wrap_socket(raw, server_side=True)
        connection.settimeout(None)
        return connection

    def _converse(self, connection: socket.socket) -> None:
        reader, session = WordReader(connection), Session()
        while not self._stopping.is_set():
            sentence = reader.read_sentence()
            if not sentence or self._is_dropped(connection):
                continue
            reply = self._reply(sentence, session)
            if reply is None or self._is_dropped(connection):
                continue
            connection.sendall(b"".join(encode_sentence(words) for words in reply.sentences))
            if reply.close:
                return

    def _reply(self, sentence: Sequence[str], session: Session) -> Reply | None:
        request = Request.parse(sentence)
        with self._lock:
            self.history.append(request.command)
        delay = self.faults.latency(request.command)
        if delay and self._stopping.wait(delay):
            return None
        failure = self.faults.take_failure(request.command)
        if failure is not None:
            return trap(*failure).tagged(request.tag)
        return self._dispatcher.answer(request, session)

    def _is_dropped(self, connection: socket.socket) -> bool:
        with self._lock:
            return connection in self._dropped


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], simulator: RouterOSSimulator) -> None:
        self.simulator = simulator
        super().__init__(address, _Handler)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.simulator.serve(self.request)


def _shutdown(connection: socket.socket, how: int) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(how)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.routers.routeros.simulator",
        description="A simulated MikroTik router answering the RouterOS API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8728)
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="")
    parser.add_argument("--identity", default="MikroTik")
    parser.add_argument("--tls-cert", help="PEM certificate: serve api-ssl instead of plain API")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args(argv)
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    simulator = RouterOSSimulator(
        args.username, args.password, ssl_context=context, identity=args.identity
    )
    simulator.set_latency(args.latency)
    host, port = simulator.start(args.host, args.port)
    print(
        f"RouterOS API simulator on {host}:{port}, user {args.username!r}; Ctrl-C stops it.",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()


if __name__ == "__main__":
    main()
