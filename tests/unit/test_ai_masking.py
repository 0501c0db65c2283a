"""Nothing personal leaves the server: masking before the language model, unmasking after."""

from __future__ import annotations

import re
import string
from datetime import date

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from application.ai.known_values import KnownValues
from application.ai.masking import JsonValue, PiiMasking, mask, mask_json, unmask, unmask_json
from application.ai.pii_phones import digits_of, is_indonesian_number
from application.ai.pii_recognizers import PLACEHOLDER, is_nik
from application.ai.ports import Masking

# -- strategies ---------------------------------------------------------------------------------

PROVINCES = [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61]
PROVINCES += [62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96]


@st.composite
def niks(draw: st.DrawFn) -> str:
    born = draw(st.dates(date(1930, 1, 1), date(2025, 12, 31)))
    day = born.day + (40 if draw(st.booleans()) else 0)
    return (
        f"{draw(st.sampled_from(PROVINCES)):02d}{draw(st.integers(1, 99)):02d}"
        f"{draw(st.integers(1, 99)):02d}{day:02d}{born.month:02d}{born.year % 100:02d}"
        f"{draw(st.integers(1, 9999)):04d}"
    )


MOBILE_PREFIXES = ["811", "812", "813", "821", "822", "823", "851", "852", "853", "855", "856"]
MOBILE_PREFIXES += ["857", "858", "859", "877", "878", "881", "882", "895", "896", "897", "898"]
AREA_CODES = ["21", "22", "24", "31", "61", "274", "361", "411"]


@st.composite
def national_numbers(draw: st.DrawFn) -> tuple[str, int]:
    """A valid Indonesian national number and the length of its operator or area code."""
    if draw(st.booleans()):
        code = draw(st.sampled_from(MOBILE_PREFIXES))
        rest = draw(st.text("0123456789", min_size=6, max_size=9))
    else:
        code = draw(st.sampled_from(AREA_CODES))
        subscriber = st.text("0123456789", min_size=6, max_size=7)
        rest = draw(st.sampled_from("2345678")) + draw(subscriber)
    number = code + rest
    assume(phonenumbers.is_valid_number(phonenumbers.parse("+62" + number)))
    return number, len(code)


@st.composite
def phones(draw: st.DrawFn) -> str:
    """A valid Indonesian number in one of the ways people write them."""
    national, code_length = draw(national_numbers())
    code, rest = national[:code_length], national[code_length:]
    separator = draw(st.sampled_from(["", " ", "-", ".", " - "]))
    cut = draw(st.integers(2, max(2, len(rest) - 2)))
    tail = separator.join([rest[:cut], rest[cut:]]) if separator else rest
    style = draw(st.sampled_from(["0", "62", "+62", "+62 ", "+62-", "(+62) ", "0062 ", "(0)"]))
    if style == "(0)":
        return f"(0{code}) {tail}"
    return f"{style}{code}{separator}{tail}"


@st.composite
def npwps(draw: st.DrawFn) -> str:
    digits = draw(st.text("0123456789", min_size=15, max_size=15))
    if draw(st.booleans()):
        return digits
    d = digits
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:]}"


WORDS = ["halo", "pak", "bu", "tolong", "kirim", "tagihan", "bulan", "ini", "ke", "nomor"]
WORDS += ["terima", "kasih", "sudah", "bayar", "lunas", "paket", "internet", "gangguan", "ya"]
filler = st.one_of(
    st.sampled_from(WORDS),
    st.text(string.ascii_letters + "?!,;:'\"/", min_size=1, max_size=12),
    st.just("[REDACTED_PHONE_1]"),
    st.just("[REDACTED_NAME_2]"),
)
personal_values = st.one_of(niks(), phones(), st.emails(), npwps())
separators = st.sampled_from([" ", ", ", ". ", "\n", " : ", " ( ", " ) "])


@st.composite
def texts_with_personal_data(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Filler words and personal values, each followed by a separator; and the values."""
    piece = st.one_of(filler.map(lambda w: (w, False)), personal_values.map(lambda v: (v, True)))
    pieces = draw(st.lists(piece, min_size=1, max_size=8))
    text = "".join(part + draw(separators) for part, _ in pieces)
    return text, [part for part, is_value in pieces if is_value]


def residue(masked: str) -> str:
    """What is left of a masked text's digits once our placeholders are taken out."""
    return digits_of(PLACEHOLDER.sub(" ", masked))


# -- properties ---------------------------------------------------------------------------------


@given(texts_with_personal_data())
def test_no_embedded_value_survives_masking_and_unmasking_restores_the_text(
    case: tuple[str, list[str]],
) -> None:
    text, values = case

    masked = mask(text)

    for value in values:
        assert value not in masked.text
        if digits_of(value):
            assert digits_of(value) not in residue(masked.text)
    assert unmask(masked.text, masked.mapping) == text


CUSTOMERS = KnownValues(
    names=["Budi Santoso", "Siti Aminah", "Dewi Lestari"],
    addresses=["Jl. Merdeka No. 10, Bandung", "Gg. Mawar 3 RT 02/RW 05"],
)
CUSTOMER_VALUES = ["Budi Santoso", "Siti Aminah", "Dewi Lestari", "Jl. Merdeka No. 10, Bandung"]
CUSTOMER_VALUES += ["Gg. Mawar 3 RT 02/RW 05"]


@st.composite
def customer_spellings(draw: st.DrawFn) -> str:
    """A known value in any case, its spaces as any run of whitespace."""
    value = draw(st.sampled_from(CUSTOMER_VALUES))
    cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in value)
    return re.sub(" ", lambda _: draw(st.sampled_from([" ", "  ", "\n", "\t "])), cased)


@given(st.lists(st.one_of(filler, customer_spellings(), personal_values), min_size=1, max_size=6))
def test_no_known_name_or_address_survives_masking(pieces: list[str]) -> None:
    text = " ".join(pieces)

    masked = mask(text, CUSTOMERS)

    folded = re.sub(r"\s+", " ", masked.text).lower()
    assert not any(value.lower() in folded for value in CUSTOMER_VALUES)
    assert unmask(masked.text, masked.mapping) == text


@given(st.text())
def test_unmasking_any_masked_text_gives_it_back(text: str) -> None:
    masked = mask(text, KnownValues(["Budi Santoso"], ["Jl. Merdeka 5"]))

    assert unmask(masked.text, masked.mapping) == text


@given(st.text(string.printable + "[]_REDACTPHON0123456789", max_size=60))
def test_every_placeholder_in_a_masked_text_is_one_of_the_call(text: str) -> None:
    masked = mask(text)

    assert set(PLACEHOLDER.findall(masked.text)) <= set(masked.mapping)


@given(texts_with_personal_data())
def test_masking_the_same_text_twice_gives_the_same_result(case: tuple[str, list[str]]) -> None:
    assert mask(case[0]) == mask(case[0])


@given(
    st.one_of(
        st.text("0123456789", min_size=7, max_size=13).filter(lambda n: n[0] != "0"),
        national_numbers().map(lambda number: number[0]),
    )
)
def test_the_compiled_numbering_plan_agrees_with_phonenumbers(national: str) -> None:
    expected = phonenumbers.is_valid_number(phonenumbers.parse("+62" + national))

    assert is_indonesian_number(national) == expected


# -- each kind in a sentence ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "value", "placeholder"),
    [
        ("NIK saya 3171012001900001, mohon dicek.", "3171012001900001", "[REDACTED_NIK_1]"),
        ("NIK istri 3171016508920003 (perempuan).", "3171016508920003", "[REDACTED_NIK_1]"),
        ("NIK: 3171 0120 0190 0001", "3171 0120 0190 0001", "[REDACTED_NIK_1]"),
        ("Hubungi saya di 0812-3456-7890 ya", "0812-3456-7890", "[REDACTED_PHONE_1]"),
        ("WA +62 812 3456 7890 kapan saja", "+62 812 3456 7890", "[REDACTED_PHONE_1]"),
        ("nomor 6281234567890 aktif", "6281234567890", "[REDACTED_PHONE_1]"),
        ("telp 0812.3456.7890.", "0812.3456.7890", "[REDACTED_PHONE_1]"),
        ("kantor (021) 555-1234 jam kerja", "(021) 555-1234", "[REDACTED_PHONE_1]"),
        ("cabang Medan 061 12345", "061 12345", "[REDACTED_PHONE_1]"),
        ("atau (+62) 812-3456-7890", "(+62) 812-3456-7890", "[REDACTED_PHONE_1]"),
        ("HP:081234567890", "081234567890", "[REDACTED_PHONE_1]"),
        ("WA081234567890 aktif", "081234567890", "[REDACTED_PHONE_1]"),
        ("Email ke budi.santoso@contoh.co.id.", "budi.santoso@contoh.co.id", "[REDACTED_EMAIL_1]"),
        ("NPWP 01.234.567.8-901.234 terlampir", "01.234.567.8-901.234", "[REDACTED_NPWP_1]"),
        ("NPWP 012345678901234", "012345678901234", "[REDACTED_NPWP_1]"),
        ("NPWP baru: 3171012001900001", "3171012001900001", "[REDACTED_NPWP_1]"),
        ("NPWP 0012345678901234 kantor", "0012345678901234", "[REDACTED_NPWP_1]"),
        ("Transfer ke BCA 1234567890 a.n. toko", "1234567890", "[REDACTED_BANK_ACCOUNT_1]"),
        ("no. rek: 137-00-1234567-8", "137-00-1234567-8", "[REDACTED_BANK_ACCOUNT_1]"),
        ("rekening Mandiri saya 1370012345678", "1370012345678", "[REDACTED_BANK_ACCOUNT_1]"),
        ("BRI 0123-01-012345-50-1 ya", "0123-01-012345-50-1", "[REDACTED_BANK_ACCOUNT_1]"),
    ],
)
def test_each_kind_is_masked_with_a_typed_placeholder(
    sentence: str, value: str, placeholder: str
) -> None:
    masked = mask(sentence)

    assert masked.text == sentence.replace(value, placeholder)
    assert masked.mapping == {placeholder: value}


@pytest.mark.parametrize(
    "sentence",
    [
        "Total tagihan Rp 1.500.000 jatuh tempo 10 Agustus",
        "Harga paket Rp62.500.000 per tahun",
        "Tagihan IDR 1.250.000 sudah lunas",
        "Omzet bulan ini 625.000.000 rupiah",
        "Invoice 3171013513990001 sudah terbit",  # day 35 of month 13: no birth date
        "Invoice 2071012001900001 sudah terbit",  # province 20 does not exist
        "Invoice 3100002001900001 sudah terbit",  # regency 00
        "Nomor order 0123456789 diproses",  # 0 + 123456789 is no Indonesian number
        "Tanggal 12-08-2026 pukul 10.30, kode 1234567890",
        "Kuota 25 GB, kecepatan 20 Mbps, 3 bulan",
        "Invoice INV/2026/000123 tertanggal 2026-12-01",
    ],
)
def test_amounts_dates_and_invoice_numbers_are_left_alone(sentence: str) -> None:
    assert mask(sentence).text == sentence


def test_a_nik_is_checked_for_region_birth_date_and_serial() -> None:
    assert is_nik("3171012001900001")
    assert is_nik("3171016001900001")  # a woman born on the 20th
    assert is_nik("3171012902920001")  # 29 February 1992
    assert not is_nik("3171012902930001")  # no 29 February in 1993
    assert not is_nik("3171013601900001")  # day 36
    assert not is_nik("3171012001900000")  # serial 0000
    assert not is_nik("9771012001900001")  # province 97


def test_a_bank_account_needs_a_banking_word_close_before_it_with_no_number_between() -> None:
    assert mask("Tagihan 1234567890 lewat BCA").text == "Tagihan 1234567890 lewat BCA"
    far = "rekening yang dipakai untuk pembayaran bulanan ini adalah 1234567890"
    assert mask(far).text == far
    second = "rek BCA 1234567890 kode 9876543210"
    assert mask(second).text == "rek BCA [REDACTED_BANK_ACCOUNT_1] kode 9876543210"


def test_several_numbers_written_in_a_row_are_each_masked() -> None:
    masked = mask("telp 0813 1111 2222 0812 3456 7890")

    assert masked.text == "telp [REDACTED_PHONE_1] [REDACTED_PHONE_2]"


def test_a_phone_abroad_written_with_its_country_code_is_masked() -> None:
    assert mask("nomor Singapura +65 9123 4567").text == "nomor Singapura [REDACTED_PHONE_1]"


# -- placeholders -------------------------------------------------------------------------------


def test_the_same_value_gets_the_same_placeholder_and_kinds_are_numbered_apart() -> None:
    text = "0812-3456-7890, a@b.co, 0813-1111-2222, lagi 0812-3456-7890"

    masked = mask(text)

    assert masked.text == (
        "[REDACTED_PHONE_1], [REDACTED_EMAIL_1], [REDACTED_PHONE_2], lagi [REDACTED_PHONE_1]"
    )


def test_text_that_looks_like_a_placeholder_is_not_taken_for_one() -> None:
    text = "balas dengan [REDACTED_PHONE_1] saja, nomor saya 0812-3456-7890"

    masked = mask(text)

    assert (
        masked.text == "balas dengan [REDACTED_PLACEHOLDER_1] saja, nomor saya [REDACTED_PHONE_1]"
    )
    assert unmask(masked.text, masked.mapping) == text


def test_unmasking_leaves_placeholders_the_call_did_not_make() -> None:
    masked = mask("nomor 0812-3456-7890")

    answer = "Nomor [REDACTED_PHONE_1] dan [REDACTED_PHONE_9] berbeda."

    assert unmask(answer, masked.mapping) == "Nomor 0812-3456-7890 dan [REDACTED_PHONE_9] berbeda."


# -- overlaps -------------------------------------------------------------------------------------


def test_the_longest_of_overlapping_findings_wins() -> None:
    known = KnownValues(names=["Budi"])

    masked = mask("kirim ke budi@contoh.id, Budi", known)

    assert masked.text == "kirim ke [REDACTED_EMAIL_1], [REDACTED_NAME_1]"


def test_a_finding_that_would_leak_beside_a_longer_one_is_masked_with_it() -> None:
    known = KnownValues(names=["Budi Santoso"])

    masked = mask("dari Budi santoso@contoh.id", known)

    assert masked.text == "dari [REDACTED_EMAIL_1]"
    assert masked.mapping == {"[REDACTED_EMAIL_1]": "Budi santoso@contoh.id"}


def test_a_phone_number_does_not_lose_to_the_number_written_after_it() -> None:
    masked = mask("HP 0812 345 678 12.345.678.9-012.345")

    assert masked.text == "HP [REDACTED_PHONE_1] [REDACTED_NPWP_1]"


# -- the tenant's own customers ------------------------------------------------------------------


def test_known_names_and_addresses_match_in_any_case_on_word_boundaries_longest_first() -> None:
    known = KnownValues(
        names=["Budi", "Budi Santoso", "Siti Aminah"], addresses=["Jl. Merdeka No. 10, Bandung"]
    )
    text = "BUDI SANTOSO dan budi (bukan Budiman) kirim ke jl. merdeka  no. 10,\nBandung"

    masked = mask(text, known)

    assert masked.text == (
        "[REDACTED_NAME_1] dan [REDACTED_NAME_2] (bukan Budiman) kirim ke [REDACTED_ADDRESS_1]"
    )
    assert masked.mapping["[REDACTED_ADDRESS_1]"] == "jl. merdeka  no. 10,\nBandung"


def test_known_values_too_short_to_identify_anyone_are_ignored() -> None:
    known = KnownValues(names=["Al", "  ", "Ani"])

    assert mask("Al dan Ani", known).text == "Al dan [REDACTED_NAME_1]"


def test_values_of_unknown_kind_are_told_apart_by_digits_and_address_words() -> None:
    known = KnownValues.classify(["Siti Aminah", "Gg. Mawar 3", "Perum Griya Asri Blok C"])

    masked = mask("Siti Aminah, Gg. Mawar 3, Perum Griya Asri Blok C", known)

    assert masked.text == "[REDACTED_NAME_1], [REDACTED_ADDRESS_1], [REDACTED_ADDRESS_2]"


# -- structures and the port ----------------------------------------------------------------------


def test_a_structure_is_masked_with_one_mapping_keys_included() -> None:
    figures: dict[str, JsonValue] = {
        "top_customers": [{"name": "Budi Santoso", "spend": 1_500_000, "phone": "0812-3456-7890"}],
        "by_customer": {"Budi Santoso": 3},
        "overdue": (2, None, True),
    }

    masked = mask_json(figures, KnownValues(names=["Budi Santoso"]))

    assert masked.value == {
        "top_customers": [
            {"name": "[REDACTED_NAME_1]", "spend": 1_500_000, "phone": "[REDACTED_PHONE_1]"}
        ],
        "by_customer": {"[REDACTED_NAME_1]": 3},
        "overdue": [2, None, True],
    }
    assert unmask_json(masked.value, masked.mapping) == {**figures, "overdue": [2, None, True]}


def test_the_port_masks_every_text_of_a_call_with_one_mapping() -> None:
    masking: Masking = PiiMasking()

    redaction = masking.mask(
        ["Pak Budi Santoso", "0812-3456-7890 milik Budi Santoso"], ["Budi Santoso"]
    )

    assert redaction.texts == (
        "Pak [REDACTED_NAME_1]",
        "[REDACTED_PHONE_1] milik [REDACTED_NAME_1]",
    )
    assert redaction.restore("Halo [REDACTED_NAME_1]") == "Halo Budi Santoso"


def test_the_placeholder_pattern_matches_every_kind() -> None:
    kinds = ["PHONE", "NIK", "EMAIL", "NPWP", "BANK_ACCOUNT", "NAME", "ADDRESS", "PLACEHOLDER"]

    assert all(re.fullmatch(PLACEHOLDER, f"[REDACTED_{kind}_12]") for kind in kinds)
