"""Indonesian message templates. `{nama}` is filled in when a message is sent, from the customer's
current (possibly forgotten) record; the rest travels with the request."""

from __future__ import annotations

import re

TEMPLATES: dict[str, str] = {
    "invoice_issued": (
        "Halo {nama}, tagihan internet {nomor} sebesar {tagihan} sudah terbit dan jatuh tempo "
        "{jatuh_tempo}. Bayar di {link_bayar}. Terima kasih."
    ),
    "reminder_before_due": (
        "Halo {nama}, pengingat: tagihan {nomor} sebesar {tagihan} jatuh tempo {jatuh_tempo}. "
        "Bayar di {link_bayar}."
    ),
    "reminder_overdue": (
        "Halo {nama}, tagihan {nomor} sebesar {tagihan} telah lewat jatuh tempo {jatuh_tempo}. "
        "Mohon segera dibayar di {link_bayar} agar layanan tidak terganggu."
    ),
    "before_soft_limit": (
        "Halo {nama}, tagihan {nomor} sebesar {tagihan} belum dibayar. Mulai {tanggal} kecepatan "
        "internet akan dibatasi (isolir). Bayar di {link_bayar}."
    ),
    "soft_limited": (
        "Halo {nama}, layanan internet Anda dibatasi karena tagihan {nomor} ({tagihan}) belum "
        "dibayar. Layanan pulih otomatis setelah pembayaran di {link_bayar}."
    ),
    "before_suspension": (
        "Halo {nama}, layanan internet Anda akan dihentikan sementara mulai {tanggal} karena "
        "tagihan {nomor} ({tagihan}) belum dibayar. Bayar di {link_bayar}."
    ),
    "suspended": (
        "Halo {nama}, layanan internet Anda dihentikan sementara karena tagihan {nomor} "
        "({tagihan}) belum dibayar. Bayar di {link_bayar} untuk mengaktifkan kembali."
    ),
    "reactivated": "Halo {nama}, pembayaran diterima. Layanan internet Anda sudah aktif kembali.",
    "payment_received": "Halo {nama}, pembayaran {jumlah} sudah kami terima. Terima kasih.",
    "voucher_delivery": (
        "Halo {nama}, kode voucher internet Anda: {kode_voucher}. Selamat berselancar."
    ),
    "repair_status": "Halo {nama}, status servis perangkat Anda: {status_servis}.",
    "opt_out_confirmation": (
        "Anda tidak akan menerima pesan WhatsApp dari kami lagi. Kirim MULAI untuk berlangganan "
        "kembali."
    ),
    "opt_in_confirmation": (
        "Terima kasih, Anda akan kembali menerima pesan WhatsApp dari kami. Kirim STOP untuk "
        "berhenti."
    ),
}

_PLACEHOLDER = re.compile(r"{(\w+)}")


def render(template: str, variables: dict[str, str]) -> str:
    """Fill a template; an unknown template is an error, a missing variable shows as `-`."""
    text = TEMPLATES[template]
    return _PLACEHOLDER.sub(lambda m: variables.get(m.group(1), "-"), text)
