"""Indonesian message templates. `{nama}` is filled in when a message is sent, from the customer's
current (possibly forgotten) record; the rest travels with the request."""

from __future__ import annotations

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
    # The repair shop ({nomor_servis} is the job's short number, {perangkat} the device).
    "repair_received": (
        "Halo {nama}, {perangkat} Anda sudah kami terima untuk diservis (no. servis "
        "{nomor_servis}). Perkiraan selesai {selesai}."
    ),
    "repair_diagnosed": (
        "Halo {nama}, hasil pemeriksaan {perangkat} (no. {nomor_servis}): {diagnosa}. "
        "Rincian biaya segera kami kirim."
    ),
    "repair_quoted": (
        "Halo {nama}, biaya servis {perangkat} (no. {nomor_servis}): {rincian}. Total {total}. "
        "Balas SETUJU untuk melanjutkan atau TIDAK SETUJU untuk membatalkan."
    ),
    "repair_quote_reminder": (
        "Halo {nama}, kami masih menunggu jawaban Anda atas biaya servis {perangkat} "
        "(no. {nomor_servis}) sebesar {total}. Balas SETUJU atau TIDAK SETUJU."
    ),
    "repair_approved": (
        "Halo {nama}, terima kasih. Servis {perangkat} (no. {nomor_servis}) disetujui dan "
        "segera kami kerjakan."
    ),
    "repair_rejected": (
        "Halo {nama}, biaya servis {perangkat} (no. {nomor_servis}) tidak disetujui. "
        "Perangkat dapat diambil di toko."
    ),
    "repair_in_progress": (
        "Halo {nama}, {perangkat} Anda (no. {nomor_servis}) sedang dikerjakan teknisi kami."
    ),
    "repair_completed": (
        "Halo {nama}, servis {perangkat} (no. {nomor_servis}) sudah selesai dan siap diambil."
    ),
    "repair_pickup_reminder": (
        "Halo {nama}, {perangkat} Anda (no. {nomor_servis}) sudah selesai diservis {hari} hari "
        "yang lalu dan belum diambil. Silakan ambil di toko kami."
    ),
    "repair_delivered": (
        "Halo {nama}, {perangkat} (no. {nomor_servis}) sudah diserahkan. Garansi servis "
        "berlaku sampai {garansi}. Terima kasih."
    ),
    "repair_cancelled": (
        "Halo {nama}, servis {perangkat} (no. {nomor_servis}) dibatalkan: {alasan}."
    ),
    "repair_delayed": (
        "Halo {nama}, mohon maaf, servis {perangkat} (no. {nomor_servis}) memerlukan waktu "
        "lebih lama dari perkiraan. Kami kabari segera setelah selesai."
    ),
    "repair_warranty_claimed": (
        "Halo {nama}, klaim garansi {perangkat} (no. {nomor_servis}) kami terima. Perkiraan "
        "selesai {selesai}."
    ),
    # To the shop itself (the recipient is the tenant).
    "shop_repair_overdue": (
        "Servis {perangkat} (no. {nomor_servis}, prioritas {prioritas}) melewati batas SLA {batas}."
    ),
    "shop_quote_unanswered": (
        "Penawaran servis {perangkat} (no. {nomor_servis}) sebesar {total} belum dijawab "
        "pelanggan sejak {sejak}."
    ),
    "low_stock_alert": (
        "Stok {barang} ({sku}) tinggal {tersedia}, di bawah batas pemesanan ulang {batas}."
    ),
    # To the WhatsApp number a voucher was bought for online (the order is the subject).
    "voucher_delivery": (
        "Terima kasih, pembayaran voucher {paket} diterima. Kode voucher: {kode}, kata sandi: "
        "{sandi}. Login langsung: {link_login}"
    ),
    # To the tenant's staff, not a customer.
    "webhook_endpoint_disabled": (
        "Webhook ke {url} dinonaktifkan otomatis karena semua pengiriman gagal sejak {sejak}. "
        "Periksa server penerima, lalu aktifkan kembali endpoint tersebut."
    ),
    "ai_key_disabled": (
        "Kunci API AI {label} dinonaktifkan otomatis karena ditolak penyedia ({galat}). "
        "Tambahkan kunci baru agar fitur AI berjalan kembali."
    ),
    # The owner's morning digest (application/ai/digest.py): yesterday's figures, one per line,
    # and three insights, from the model or by rule ({mode} says which).
    "ceo_digest": (
        "Selamat pagi! Ringkasan bisnis {perusahaan} tanggal {tanggal}:\n{angka}\n\n"
        "Tiga wawasan ({mode}):\n{wawasan}"
    ),
    # The platform's own billing of the business (application/platform/billing_webhooks.py),
    # to the owner's CEO-digest numbers: a failed payment of the Niaga plan, and the soft lock.
    "platform_payment_failed": (
        "Pembayaran paket Niaga {paket} untuk {perusahaan} gagal (percobaan ke-{percobaan}). "
        "Perbarui metode pembayaran agar layanan tidak dikunci setelah {batas} kali gagal."
    ),
    "platform_locked": (
        "Akun Niaga {perusahaan} dikunci karena pembayaran paket {paket} gagal {percobaan} kali. "
        "Data tetap aman dan dapat dilihat, tetapi tidak dapat diubah sampai tagihan dibayar."
    ),
    "read_model_event_parked": (
        "Data tampilan {tampilan} tidak dapat memproses satu kejadian (posisi {posisi}); kejadian "
        "itu disisihkan dan tampilan tetap berjalan. Hubungi admin Niaga: {galat}"
    ),
    "repair_status": "Halo {nama}, status servis perangkat Anda: {status_servis}.",
    # The WhatsApp concierge (application/ai/concierge/): its answer or a technician's reply to
    # a customer, and the notice to the shop's staff when a chat waits too long.
    "concierge_reply": "{balasan}",
    "concierge_unanswered": (
        "Chat WhatsApp pelanggan (no. {nomor_chat}) belum dibalas teknisi selama {menit} menit, "
        "sejak {sejak}. Buka antrean teknisi untuk membalas."
    ),
    # Support tickets (application/support/): a ticket opened with KELUHAN / TIKET, and a public
    # reply of the staff ({nomor_tiket} is the ticket's number, T-...).
    "ticket_opened": (
        "Halo {nama}, keluhan Anda sudah kami catat dengan nomor tiket {nomor_tiket}. "
        "Tim kami segera menindaklanjutinya."
    ),
    "ticket_reply": "Halo {nama}, balasan untuk tiket {nomor_tiket}:\n{balasan}",
    # An invitation to join a business's team (application/identity/invitations.py), to the
    # number given with it: the link itself goes by e-mail only.
    "team_invitation": (
        "Halo, Anda diundang bergabung dengan {perusahaan} di Niaga sebagai {peran}. Tautan "
        "untuk menerima undangan sudah kami kirim ke e-mail Anda."
    ),
    # The reply of a WhatsApp command (HARGA, SALDO, SETUJU, ...), written by its interpreter.
    "command_reply": "{balasan}",
    "opt_out_confirmation": (
        "Anda tidak akan menerima pesan WhatsApp dari kami lagi. Kirim MULAI untuk berlangganan "
        "kembali."
    ),
    "opt_in_confirmation": (
        "Terima kasih, Anda akan kembali menerima pesan WhatsApp dari kami. Kirim STOP untuk "
        "berhenti."
    ),
}
