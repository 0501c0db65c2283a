"""The restore drill: seed, back up, lose the database, restore into an empty one, verify.

Each test makes databases of its own on the test server (a backup holds whole schemas, and the
drill drops the database it backed up), and keeps its backups in a directory of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
from moto.server import ThreadedMotoServer
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from adapters.audit.backup import BackupError, Backups, DailyBackup, destroy_keys_of_forgotten
from adapters.audit.backup_storage import LocalBackups
from adapters.bootstrap import Niaga, backups, daily_scheduler
from adapters.shared.settings import BackupStorageKind, Settings
from application.customers.customers import RegisterCustomer
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.shared.ports import Placement
from application.vouchers.voucher_batches import GenerateVouchers
from tests.conftest import REDIS_URL, SERVER_URL, TEST_SECRET_KEY, _with_db, principal_for
from tests.e2e.cli import run_niaga
from tests.integration.billing import Books
from tests.integration.read_models import (
    assert_live_equals_rebuild,
    event_count,
    store_of,
)
from tests.integration.vouchers import Desk

TODAY = date(2026, 1, 5)
NewDatabase = Callable[[], str]


@pytest.fixture
def new_database() -> Iterator[NewDatabase]:
    """Makes empty databases on the test server; drops whatever is left of them afterwards."""
    made: list[str] = []

    def make() -> str:
        name = f"niaga_backup_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(SERVER_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return _with_db(SERVER_URL, name)

    yield make
    for name in made:
        _drop(name)


def _drop(name: str) -> None:
    with psycopg.connect(SERVER_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def backup_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this test's backups go, for the `niaga` processes too (they inherit it)."""
    folder = tmp_path / "backups"
    monkeypatch.setenv("NIAGA_BACKUP_DIR", str(folder))
    return folder


def _settings(database_url: str, backup_dir: Path, **changes: Any) -> Settings:
    return Settings(
        database_url=database_url,
        niaga_platform_schema="niaga",
        niaga_env="test",
        niaga_secret_key=TEST_SECRET_KEY,
        redis_url=REDIS_URL,
        niaga_backup_dir=backup_dir,
        **changes,
    )


class Seeded:
    """A shared tenant with customers, invoices, a forgotten customer and vouchers, and a
    tenant in a schema of its own: every kind of store a backup must hold."""

    def __init__(self, niaga: Niaga) -> None:
        self.tenant = niaga.tenants.create("Warung Net Sejahtera", Placement.SHARED)
        self.owner = principal_for(self.tenant)
        books = Books(niaga, self.owner)
        self.customers = [books.customer(name) for name in ("Ani", "Budi", "Citra")]
        for number, customer in enumerate(self.customers, start=1):
            books.invoice(customer, 150_000 * number, TODAY)
        books.pay(self.customers[0], 150_000, TODAY, "KAS-001")
        self.forgotten = niaga.customers.register(
            self.owner, RegisterCustomer("Siti Rahmawati", "0812-9876-5432", nik="3273012345678901")
        )
        niaga.customers.forget(self.owner, self.forgotten)
        desk = Desk(niaga, self.owner)
        desk.profile()
        niaga.vouchers.batches.generate(self.owner, GenerateVouchers("3JAM", 25))
        self.own_schema_tenant = niaga.tenants.create("Servis HP Jaya", Placement.OWN_SCHEMA)
        other = principal_for(self.own_schema_tenant)
        niaga.customers.register(other, RegisterCustomer("Dewi", "0857-1111-2222"))


def _every_table(niaga: Niaga) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of every store (events, chain, keys, read models, positions), row for row."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with niaga.database.connection() as conn:
        for store in niaga.stores.open_stores():
            schema = store.ref.schema
            names = conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            ).fetchall()
            for (name,) in names:
                found = conn.execute(
                    sql.SQL("SELECT * FROM {}.{}").format(
                        sql.Identifier(schema), sql.Identifier(name)
                    )
                ).fetchall()
                tables[f"{schema}.{name}"] = sorted(found, key=repr)
    return tables


def _key_is_destroyed(niaga: Niaga, schema: str, subject: uuid.UUID) -> bool:
    with niaga.database.connection() as conn:
        row = conn.execute(
            sql.SQL("SELECT key IS NULL FROM {}.personal_data_keys WHERE subject_id = %s").format(
                sql.Identifier(schema)
            ),
            (subject,),
        ).fetchone()
    return bool(row and row[0])


def _drill(source: Settings, target: Settings, *restore_args: str) -> str:
    """Back up with `niaga backup`, drop the database, restore into `target` with `niaga
    restore`; return what the restore printed."""
    backed_up = run_niaga(source, "backup")
    assert backed_up.returncode == 0, backed_up.stderr
    [name] = [p.name for p in (source.niaga_backup_dir or Path()).iterdir()]
    return _lose_and_restore(source, target, name, *restore_args)


def _lose_and_restore(source: Settings, target: Settings, name: str, *args: str) -> str:
    _drop(str(conninfo_to_dict(source.database_url or "")["dbname"]))
    restored = run_niaga(target, "restore", name, *args)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    return restored.stdout


def _audit_passes(settings: Settings, stores: int) -> None:
    verify = run_niaga(settings, "audit", "verify")
    chain = run_niaga(settings, "audit", "verify-chain")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "every read model equals its rebuild" in verify.stdout
    assert chain.returncode == 0, chain.stderr
    assert chain.stdout.count(": intact") == stores


def test_the_restore_drill_brings_back_every_store_as_it_was_with_the_forgotten_forgotten(
    new_database: NewDatabase, backup_dir: Path
) -> None:
    source = _settings(new_database(), backup_dir)
    niaga = Niaga.start(source, clock=FixedClock(TODAY))
    seeded = Seeded(niaga)
    niaga.projections.catch_up_all()  # a command waits only for the read models it answers from
    before = _every_table(niaga)
    events = event_count(niaga, "niaga")
    niaga.close()
    target = _settings(new_database(), backup_dir)

    printed = _drill(source, target)

    assert f"niaga: {events} of {events} events, chain intact" in printed
    _audit_passes(target, stores=2)
    niaga = Niaga.start(target, clock=FixedClock(TODAY))
    try:
        shared = store_of(niaga, seeded.tenant)
        assert _every_table(niaga) == before
        assert_live_equals_rebuild(
            niaga, shared, ("customer_list", "audit_log", "invoices", "payments", "voucher_stock")
        )
        assert niaga.queries.customer(seeded.owner, seeded.forgotten).forgotten
        assert _key_is_destroyed(niaga, shared.ref.schema, seeded.forgotten)
        assert niaga.queries.customer(seeded.owner, seeded.customers[0]).name == "Ani"
        assert [s.count for s in niaga.vouchers.queries.stock(seeded.owner)] == [25]
    finally:
        niaga.close()


def test_customers_forgotten_after_the_backup_are_forgotten_again_from_the_forget_list(
    new_database: NewDatabase, backup_dir: Path, tmp_path: Path
) -> None:
    source = _settings(new_database(), backup_dir)
    niaga = Niaga.start(source, clock=FixedClock(TODAY))
    tenant = niaga.tenants.create("Warung Net", Placement.SHARED)
    owner = principal_for(tenant)
    ani = niaga.customers.register(owner, RegisterCustomer("Ani", "0812-1111-2222"))
    budi = niaga.customers.register(owner, RegisterCustomer("Budi", "0812-3333-4444"))
    name, _ = backups(source).take()
    niaga.customers.forget(owner, budi)  # after the backup, which still holds Budi's key
    niaga.close()
    forget_list = tmp_path / "forgotten-since.txt"
    forget_list.write_text(f"# erasure requests since the backup\n{tenant}, {budi}\n")
    target = _settings(new_database(), backup_dir)

    printed = _lose_and_restore(source, target, name, "--forget-list", str(forget_list))

    assert f"{budi}: forgotten again" in printed
    _audit_passes(target, stores=1)
    niaga = Niaga.start(target)
    try:
        assert niaga.queries.customer(owner, budi).forgotten
        assert _key_is_destroyed(niaga, "niaga", budi)
        assert niaga.queries.customer(owner, ani).name == "Ani"
    finally:
        niaga.close()


def test_keys_of_customers_forgotten_in_the_log_are_destroyed_again(
    niaga: Niaga, owner: Principal
) -> None:
    siti = niaga.customers.register(owner, RegisterCustomer("Siti", "0812-9876-5432"))
    kept = niaga.customers.register(owner, RegisterCustomer("Ani", "0812-1111-2222"))
    niaga.customers.forget(owner, siti)
    schema = store_of(niaga, owner.tenant_id).ref.schema
    with niaga.database.connection() as conn:  # a key the log says is gone, back again
        conn.execute(
            sql.SQL("UPDATE {}.personal_data_keys SET key = %s WHERE subject_id = %s").format(
                sql.Identifier(schema)
            ),
            (b"k" * 32, siti),
        )
        first = destroy_keys_of_forgotten(conn, schema)
        again = destroy_keys_of_forgotten(conn, schema)

    assert (first, again) == (1, 0)
    assert _key_is_destroyed(niaga, schema, siti)
    assert not _key_is_destroyed(niaga, schema, kept)


@pytest.fixture
def s3_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "uji")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "rahasia-uji")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(Bucket="cadangan")
    yield url
    server.stop()


def test_a_backup_makes_the_round_trip_through_s3(
    new_database: NewDatabase, backup_dir: Path, s3_url: str
) -> None:
    on_s3 = {
        "niaga_backup_storage": BackupStorageKind.S3,
        "niaga_backup_s3_bucket": "cadangan",
        "niaga_s3_endpoint_url": s3_url,
        "niaga_s3_region": "us-east-1",
    }
    source = _settings(new_database(), backup_dir, **on_s3)
    niaga = Niaga.start(source, clock=FixedClock(TODAY))
    tenant = niaga.tenants.create("Warung Net", Placement.SHARED)
    niaga.customers.register(principal_for(tenant), RegisterCustomer("Ani", "0812-1111-2222"))
    niaga.close()

    name, manifest = backups(source).take()
    target = _settings(new_database(), backup_dir, **on_s3)
    report = backups(target).restore(name)

    objects = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1").list_objects_v2(
        Bucket="cadangan"
    )
    assert [o["Key"] for o in objects["Contents"]] == [f"niaga-backups/{name}"]
    assert not backup_dir.exists()
    assert report.ok
    assert [(s.name, s.events) for s in report.stores] == [("niaga", manifest.stores[0].events)]
    restored = Niaga.start(target)
    try:
        assert restored.queries.customers(principal_for(tenant), None, 10, None).total_count == 1
    finally:
        restored.close()
    with pytest.raises(BackupError, match="empty database"):
        backups(target).restore(name)


def test_the_schedulers_daily_step_takes_one_backup_a_day_and_applies_the_retention_policy(
    new_database: NewDatabase, backup_dir: Path
) -> None:
    settings = _settings(new_database(), backup_dir)
    backup_dir.mkdir()
    for old in ("niaga-20251001T020000Z.tar", "niaga-20251230T020000Z.tar"):
        (backup_dir / old).write_bytes(b"")
    clock = [datetime(2026, 1, 5, 2, 0, tzinfo=UTC)]
    daily = Backups(
        settings.database_url or "",
        settings.niaga_platform_schema,
        lambda: LocalBackups(backup_dir),
        take_daily=True,
        now=lambda: clock[0],
    )
    niaga = Niaga.start(settings)
    try:
        scheduler = replace(daily_scheduler(niaga), backups=daily)
        first = scheduler.back_up_daily()
        clock[0] = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)
        second = scheduler.back_up_daily()
    finally:
        niaga.close()

    assert first == DailyBackup("niaga-20260105T020000Z.tar", ["niaga-20251001T020000Z.tar"])
    assert second == DailyBackup(None, [])
    assert sorted(p.name for p in backup_dir.iterdir()) == [
        "niaga-20251230T020000Z.tar",
        "niaga-20260105T020000Z.tar",
    ]
