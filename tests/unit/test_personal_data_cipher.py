"""Per-subject encryption: forgetting a person is destroying their key."""

import uuid
from collections.abc import Iterable

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from application.shared.errors import PersonalDataErased
from application.shared.personal_data import PersonalDataCipher
from domain.shared.personal_data import FORGOTTEN


class InMemoryKeys:
    """A test double of the PersonalDataKeys port, counting round trips to the store."""

    def __init__(self) -> None:
        self.keys: dict[uuid.UUID, bytes | None] = {}
        self.fetches = 0

    def fetch(self, subjects: Iterable[uuid.UUID]) -> dict[uuid.UUID, bytes | None]:
        self.fetches += 1
        return {s: self.keys[s] for s in subjects if s in self.keys}

    def create(self, subject: uuid.UUID, key: bytes) -> bytes:
        if subject in self.keys and self.keys[subject] is None:
            raise PersonalDataErased(f"personal data of {subject} has been erased")
        return self.keys.setdefault(subject, key)

    def destroy(self, subject: uuid.UUID) -> None:
        self.keys[subject] = None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@given(json_values)
def test_decrypting_what_was_encrypted_gives_the_value_back(value: object) -> None:
    cipher = PersonalDataCipher(InMemoryKeys())
    subject = uuid.uuid4()

    token = cipher.encrypt(subject, value)

    assert cipher.decrypt(subject, token) == value


def test_the_ciphertext_does_not_contain_the_plaintext_and_differs_each_time() -> None:
    cipher = PersonalDataCipher(InMemoryKeys())
    subject = uuid.uuid4()

    first = cipher.encrypt(subject, "Budi Santoso")
    second = cipher.encrypt(subject, "Budi Santoso")

    assert "Budi" not in first
    assert first != second
    assert first.startswith("pd1:")


def test_each_subject_gets_a_key_of_its_own() -> None:
    keys = InMemoryKeys()
    cipher = PersonalDataCipher(keys)
    budi, siti = uuid.uuid4(), uuid.uuid4()

    cipher.encrypt(budi, "Budi")
    cipher.encrypt(siti, "Siti")

    assert keys.keys[budi] != keys.keys[siti]


def test_a_value_sealed_for_one_subject_cannot_be_read_as_another() -> None:
    keys = InMemoryKeys()
    cipher = PersonalDataCipher(keys)
    budi, siti = uuid.uuid4(), uuid.uuid4()
    token = cipher.encrypt(budi, "Budi")
    keys.keys[siti] = keys.keys[budi]  # even with the same key, the subject is authenticated

    with pytest.raises(InvalidTag):
        PersonalDataCipher(keys).decrypt(siti, token)


def test_values_that_were_never_encrypted_pass_through() -> None:
    cipher = PersonalDataCipher(InMemoryKeys())
    assert cipher.decrypt(uuid.uuid4(), "plain") == "plain"
    assert cipher.decrypt(uuid.uuid4(), None) is None


def test_after_forgetting_a_subject_their_data_reads_as_forgotten() -> None:
    keys = InMemoryKeys()
    cipher = PersonalDataCipher(keys)
    subject = uuid.uuid4()
    token = cipher.encrypt(subject, "Budi Santoso")

    cipher.forget(subject)

    assert keys.keys[subject] is None
    assert cipher.decrypt(subject, token) == FORGOTTEN
    assert PersonalDataCipher(keys).decrypt(subject, token) == FORGOTTEN


def test_refuses_to_encrypt_for_a_forgotten_subject() -> None:
    keys = InMemoryKeys()
    cipher = PersonalDataCipher(keys)
    subject = uuid.uuid4()
    cipher.encrypt(subject, "Budi Santoso")
    cipher.forget(subject)

    with pytest.raises(PersonalDataErased):
        cipher.encrypt(subject, "Budi again")
    with pytest.raises(PersonalDataErased):
        PersonalDataCipher(keys).encrypt(subject, "Budi again")


def test_a_forget_in_another_process_is_seen_after_eviction() -> None:
    keys = InMemoryKeys()
    here, there = PersonalDataCipher(keys), PersonalDataCipher(keys)
    subject = uuid.uuid4()
    token = here.encrypt(subject, "Budi")

    there.forget(subject)
    here.evict(subject)

    assert here.decrypt(subject, token) == FORGOTTEN


def test_prefetching_loads_a_page_of_keys_in_one_round_trip() -> None:
    keys = InMemoryKeys()
    writer = PersonalDataCipher(keys)
    subjects = [uuid.uuid4() for _ in range(5)]
    tokens = [writer.encrypt(s, f"name {i}") for i, s in enumerate(subjects)]
    reader = PersonalDataCipher(keys)
    keys.fetches = 0

    reader.prefetch(subjects)
    values = [reader.decrypt(s, t) for s, t in zip(subjects, tokens, strict=True)]

    assert values == [f"name {i}" for i in range(5)]
    assert keys.fetches == 1


def test_a_small_cache_forgets_old_keys_but_still_decrypts() -> None:
    keys = InMemoryKeys()
    cipher = PersonalDataCipher(keys, cache_size=2)
    subjects = [uuid.uuid4() for _ in range(4)]
    tokens = [cipher.encrypt(s, str(s)) for s in subjects]

    assert [cipher.decrypt(s, t) for s, t in zip(subjects, tokens, strict=True)] == [
        str(s) for s in subjects
    ]
