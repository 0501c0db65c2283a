"""Personal data (UU PDP / GDPR) is marked on events so storage can encrypt it per data subject.

An event class lists its personal fields in `personal_fields`; the data subject is the aggregate
that emitted it. An event class with `erases_subject` set records that the subject's key was
destroyed: from then on those fields read back as `FORGOTTEN`.
"""

from typing import ClassVar

FORGOTTEN = "[forgotten]"


class CarriesPersonalData:
    """Mixin for an aggregate's base event class: names the fields that hold personal data."""

    personal_fields: ClassVar[frozenset[str]] = frozenset()
    # True on the event that records the destruction of the subject's key (e.g. a customer
    # forgotten): readers drop the key they hold and redact what they showed of the subject.
    erases_subject: ClassVar[bool] = False


def erases_subject(event_class: type) -> bool:
    """Whether events of `event_class` record that their subject's personal data was erased."""
    return bool(getattr(event_class, "erases_subject", False)) and bool(
        getattr(event_class, "personal_fields", ())
    )
