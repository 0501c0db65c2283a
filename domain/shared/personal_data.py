"""Personal data (UU PDP / GDPR) is marked on events so storage can encrypt it per data subject.

An event class lists its personal fields in `personal_fields`; the data subject is the aggregate
that emitted it. Once the subject's key is destroyed those fields read back as `FORGOTTEN`.
"""

from typing import ClassVar

FORGOTTEN = "[forgotten]"


class CarriesPersonalData:
    """Mixin for an aggregate's base event class: names the fields that hold personal data."""

    personal_fields: ClassVar[frozenset[str]] = frozenset()
