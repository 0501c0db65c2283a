"""Sealed secrets: what goes in comes back, and what no other system could be given is refused
before it is sealed."""

from __future__ import annotations

import pytest

from application.shared.secrets import SecretBox, new_key
from domain.shared.errors import InvalidValue


def test_a_sealed_secret_opens_to_itself() -> None:
    box = SecretBox(new_key())
    assert box.open(box.seal("rahasia-ü-😀")) == "rahasia-ü-😀"


@pytest.mark.parametrize("secret", ["rahasia\x00", "\ud800rahasia", "baris\nkedua", "esc\x1b"])
def test_a_secret_that_is_no_single_line_of_text_is_refused_naming_its_field(secret: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        SecretBox(new_key()).seal(secret, "password")
    assert refused.value.field == "password"
