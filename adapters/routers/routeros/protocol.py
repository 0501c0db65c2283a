"""The RouterOS API wire format: length-prefixed words, sentences ending in an empty word."""

from __future__ import annotations

import socket
from collections.abc import Sequence

Sentence = list[str]


class ProtocolViolation(Exception):
    """The peer sent bytes that are not a RouterOS API word."""


def encode_length(length: int) -> bytes:
    """The 1-5 byte length prefix; the control bits of the first byte say how many follow."""
    if length < 0x80:
        return length.to_bytes(1, "big")
    if length < 0x4000:
        return (length | 0x8000).to_bytes(2, "big")
    if length < 0x200000:
        return (length | 0xC00000).to_bytes(3, "big")
    if length < 0x10000000:
        return (length | 0xE0000000).to_bytes(4, "big")
    return b"\xf0" + length.to_bytes(4, "big")


def encode_sentence(words: Sequence[str]) -> bytes:
    encoded = b"".join(encode_length(len(raw)) + raw for raw in (w.encode() for w in words))
    return encoded + b"\x00"


class WordReader:
    """Reads whole sentences from a (possibly TLS-wrapped) socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def read_sentence(self) -> Sentence:
        """The next sentence's words; EOFError when the peer closes."""
        words: Sentence = []
        while word := self._read_word():
            words.append(word)
        return words

    def _read_word(self) -> str:
        return self._exactly(self._read_length()).decode(errors="replace")

    def _read_length(self) -> int:
        first = self._exactly(1)[0]
        if first < 0x80:
            return first
        if first < 0xC0:
            return int.from_bytes(bytes([first]) + self._exactly(1), "big") ^ 0x8000
        if first < 0xE0:
            return int.from_bytes(bytes([first]) + self._exactly(2), "big") ^ 0xC00000
        if first < 0xF0:
            return int.from_bytes(bytes([first]) + self._exactly(3), "big") ^ 0xE0000000
        if first == 0xF0:
            return int.from_bytes(self._exactly(4), "big")
        raise ProtocolViolation(f"control byte {first:#x} starts no length")

    def _exactly(self, count: int) -> bytes:
        data = bytearray()
        while len(data) < count:
            chunk = self._sock.recv(count - len(data))
            if not chunk:
                raise EOFError("peer closed the connection")
            data += chunk
        return bytes(data)
