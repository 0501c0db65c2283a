"""Stores events with their envelope (who and why) and their personal data encrypted."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, register_topic, resolve_topic

from application.shared.context import current_meta
from application.shared.personal_data import PersonalDataCipher
from domain.shared.personal_data import erases_subject
from domain.shared.recorded import EventMeta, RecordedEvent
from domain.shared.text import check_all_text
from domain.shared.topics import MOVED_MODULES

_META_KEY = "__meta__"

# Events stored before their module moved keep their old topic; it resolves to the class's new home.
for _old, _new in MOVED_MODULES.items():
    register_topic(_old, importlib.import_module(_new))


class NiagaMapper(Mapper[UUID]):
    def __init__(self, transcoder: Transcoder, personal_data: PersonalDataCipher) -> None:
        super().__init__(transcoder)
        self.personal_data = personal_data

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        # Who and why first: an event refused for lacking them must not leave a key behind.
        meta = current_meta().as_dict()
        state = dict(vars(domain_event))
        # Whatever a command let through, no event with unstorable text is ever recorded.
        check_all_text(state)
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        for field in _personal_fields(type(domain_event)):
            if state.get(field) is not None:
                state[field] = self.personal_data.encrypt(originator_id, state[field])
        state[_META_KEY] = meta
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=self.transcoder.encode(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        return self._decode(stored_event)[0]  # type: ignore[no-any-return]

    def decode(self, position: int, stored_event: StoredEvent) -> RecordedEvent:
        event, meta = self._decode(stored_event)
        return RecordedEvent(position=position, event=event, meta=meta)

    def prefetch_keys(self, stored_events: Iterable[StoredEvent]) -> None:
        """Load the keys a page of events needs in one round trip."""
        self.personal_data.prefetch(
            cast(UUID, s.originator_id)
            for s in stored_events
            if _personal_fields(resolve_topic(s.topic))
        )

    def refresh_keys(self, stored_events: Iterable[StoredEvent]) -> None:
        """Load the keys a page of events needs afresh, even those cached: another process may
        have forgotten a subject since, and what an auditor reads must show that at once."""
        stored = list(stored_events)
        for subject in {_as_uuid(s.originator_id) for s in stored}:
            self.personal_data.evict(subject)
        self.prefetch_keys(stored)

    def _decode(self, stored_event: StoredEvent) -> tuple[Any, EventMeta]:
        cls = resolve_topic(stored_event.topic)
        state: dict[str, Any] = self.transcoder.decode(stored_event.state)
        meta = EventMeta.from_dict(state.pop(_META_KEY, None))
        subject = _as_uuid(stored_event.originator_id)
        if erases_subject(cls):
            # Whatever key this process still holds for the subject was destroyed with this event.
            self.personal_data.evict(subject)
        for field in _personal_fields(cls):
            if field in state:
                state[field] = self.personal_data.decrypt(subject, state[field])
        state["originator_id"] = subject
        state["originator_version"] = stored_event.originator_version
        _upcast(cls, state)
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event, meta


def _upcast(cls: type, state: dict[str, Any]) -> None:
    """Bring the state of an event stored by an older version of its class up to the current
    version, one `upcast_vN_vN+1` step at a time (events stored before versioning are version 1)."""
    version = state.pop("class_version", 1)
    while version < getattr(cls, "class_version", 1):
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1


def _personal_fields(cls: type) -> Sequence[str]:
    return tuple(getattr(cls, "personal_fields", ()))


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)
