"""Backups of every store, made with PostgreSQL's own tools, and their restore into an empty
server (docs/operations.md says why `pg_dump` rather than an export of the event logs).

A backup is one tar file holding a manifest and one `pg_dump -Fc` (compressed) archive per
database: the platform database with the platform schema (tenant directory) and every tenant
schema in it, then each database a tenant is placed in. Each database is dumped from one
snapshot, exported by a REPEATABLE READ transaction that also counts the events and reads the
chain heads written into the manifest, so the manifest describes exactly what was dumped.
"""

from __future__ import annotations

import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import Connection, IsolationLevel, sql
from psycopg.conninfo import make_conninfo

from adapters.audit import chain_verification
from adapters.audit.backup_manifest import (
    MANIFEST,
    DumpFile,
    Manifest,
    StoreSummary,
    scalar,
    server_major,
    summarise,
    unpack,
)
from adapters.audit.backup_storage import (
    BackupLocation,
    LocalBackups,
    Retention,
    S3Backups,
    backup_name,
    taken_at,
)
from adapters.audit.backup_tools import BackupError, PostgresTools, run_tool
from adapters.shared.settings import BackupStorageKind, Settings
from domain.customers.customer import Customer

__all__ = ["BackupError", "Backups", "Manifest", "RestoreReport"]
PLATFORM_DATABASE = "platform"
# Matched on the class's name: events recorded before a module moved keep their old topic.
_FORGOTTEN_TOPIC = f"%:{Customer.Forgotten.__qualname__}"


@dataclass(frozen=True)
class RestoredStore:
    name: str
    events: int
    expected_events: int
    chain_intact: bool
    keys_destroyed_again: int

    @property
    def ok(self) -> bool:
        return self.chain_intact and self.events == self.expected_events


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    stores: list[RestoredStore]

    @property
    def ok(self) -> bool:
        return all(store.ok for store in self.stores)


@dataclass(frozen=True)
class _Dumped:
    dump: DumpFile
    stores: list[StoreSummary]
    server_version: str
    tool_version: str


@dataclass(frozen=True)
class DailyBackup:
    taken: str | None
    pruned: list[str]


class Backups:
    """Takes, lists, restores and prunes backups of every store."""

    def __init__(
        self,
        database_url: str,
        platform_schema: str,
        location: Callable[[], BackupLocation],
        *,
        retention: Retention | None = None,
        tools: PostgresTools | None = None,
        take_daily: bool = False,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        servers: dict[str, str] | None = None,
    ) -> None:
        self._url = database_url
        self._servers = servers or {}
        self._platform_schema = platform_schema
        self._location_factory = location
        self._location: BackupLocation | None = None
        self.retention = retention or Retention()
        self._tools = tools or PostgresTools()
        self._take_daily = take_daily
        self._now = now

    def _url_of(self, server: str | None, database: str | None) -> str | None:
        return _server_url(self._url, self._servers, server, database)

    @classmethod
    def from_settings(cls, settings: Settings, database_url: str) -> Backups:
        return cls(
            database_url,
            settings.niaga_platform_schema,
            lambda: location_from_settings(settings),
            retention=Retention(
                settings.niaga_backup_keep_daily_days, settings.niaga_backup_keep_weekly_weeks
            ),
            tools=PostgresTools(settings.niaga_pg_bin_dir),
            take_daily=settings.niaga_backup_daily,
            servers=settings.niaga_servers,
        )

    @property
    def location(self) -> BackupLocation:
        if self._location is None:  # boto3 is only imported when a backup is touched
            self._location = self._location_factory()
        return self._location

    def names(self) -> list[str]:
        return self.location.names()

    def latest(self) -> str:
        names = self.names()
        if not names:
            raise BackupError("there is no backup yet")
        return names[-1]

    def take(self) -> tuple[str, Manifest]:
        """Dump every store, write the manifest beside the dumps, keep the whole as one file."""
        moment = self._now()
        with tempfile.TemporaryDirectory(prefix="niaga-backup-") as work:
            folder = Path(work)
            manifest = self._dump_all(folder, moment)
            (folder / MANIFEST).write_text(manifest.model_dump_json(indent=2))
            name = backup_name(moment)
            archive = folder / name
            with tarfile.open(archive, "w") as tar:  # the dumps are compressed already
                for member in (MANIFEST, *(d.file for d in manifest.dumps)):
                    tar.add(folder / member, arcname=member)
            self.location.put(name, archive)
        return name, manifest

    def prune(self, now: datetime | None = None) -> list[str]:
        """Delete the backups the retention policy no longer keeps; return their names."""
        named = {moment: name for name in self.names() if (moment := taken_at(name))}
        doomed = [named[m] for m in self.retention.to_prune(named, now or self._now())]
        for name in doomed:
            self.location.delete(name)
        return doomed

    def run_daily(self) -> DailyBackup:
        """The scheduler's step: one backup per UTC day (when enabled), then the retention
        policy. Safe to repeat: a day that has its backup gets no second one."""
        today = self._now().astimezone(UTC).date()
        taken = None
        if self._take_daily and not any(
            (moment := taken_at(name)) and moment.date() == today for name in self.names()
        ):
            taken, _ = self.take()
        return DailyBackup(taken, self.prune())

    def restore(self, name: str) -> RestoreReport:
        """Restore a backup into a server whose database holds none of its schemas, destroy
        again the keys of every customer whose `Forgotten` event it holds, then check each
        store's event count and hash chain against the manifest."""
        with tempfile.TemporaryDirectory(prefix="niaga-restore-") as work:
            folder = Path(work)
            try:
                self.location.fetch(name, folder / "backup.tar")
            except KeyError:
                raise BackupError(f"no backup named {name!r}") from None
            manifest = unpack(folder / "backup.tar", folder)
            if manifest.platform_schema != self._platform_schema:
                raise BackupError(
                    f"the backup's platform schema is {manifest.platform_schema!r}; restore it "
                    f"with NIAGA_PLATFORM_SCHEMA={manifest.platform_schema}"
                )
            targets = self._restore_targets(manifest)
            for dump in manifest.dumps:  # the platform's first: it names the other databases
                target = targets(dump)
                _refuse_unless_empty(target, dump.schemas)
                self._restore_dump(folder / dump.file, target)
        return RestoreReport(manifest, [_settle(targets, manifest, s) for s in manifest.stores])

    # -- taking --------------------------------------------------------------------------------

    def _dump_all(self, folder: Path, moment: datetime) -> Manifest:
        with _snapshot(self._url) as (conn, snapshot):
            directory = _directory(conn, self._platform_schema, self._url_of)
            tenants = scalar(
                conn, "SELECT count(*) FROM {}.tenant_directory", self._platform_schema
            )
            schemas = [self._platform_schema, *sorted(directory.pop(None, set()))]
            platform = self._dump(conn, snapshot, self._url, PLATFORM_DATABASE, schemas, folder)
        dumped = [platform]
        others = sorted((url, found) for url, found in directory.items() if url is not None)
        for number, (url, in_database) in enumerate(others, start=1):
            with _snapshot(url) as (other, other_snapshot):
                label = f"database-{number}"
                dumped.append(
                    self._dump(other, other_snapshot, url, label, sorted(in_database), folder)
                )
        return Manifest(
            taken_at=moment,
            platform_schema=self._platform_schema,
            server_version=platform.server_version,
            pg_dump_version=platform.tool_version,
            tenants=tenants,
            dumps=[d.dump for d in dumped],
            stores=[store for d in dumped for store in d.stores],
        )

    def _dump(
        self,
        conn: Connection[Any],
        snapshot: str,
        url: str,
        label: str,
        schemas: list[str],
        folder: Path,
    ) -> _Dumped:
        """pg_dump the schemas inside the open snapshot, after summarising them in it."""
        tool, version = self._tools.find("pg_dump", server_major(conn))
        summaries = [summarise(conn, schema, label) for schema in schemas]
        if label != PLATFORM_DATABASE:  # a store's name, as StoreRef names it
            summaries = [s.model_copy(update={"name": f"{url}#{s.schema_name}"}) for s in summaries]
        file = f"{label}.dump"
        args = ["--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        args += [f'--schema="{schema}"' for schema in schemas]
        run_tool(tool, [*args, f"--file={folder / file}"], url)
        dump = DumpFile(database=label, file=file, schemas=schemas)
        return _Dumped(dump, summaries, str(scalar(conn, "SHOW server_version")), version)

    # -- restoring -----------------------------------------------------------------------------

    def _restore_targets(self, manifest: Manifest) -> Callable[[DumpFile], str]:
        """Where each dump goes: the platform's to this server's database, a tenant database's
        to the URL the restored tenant directory names for its schemas."""

        def target(dump: DumpFile) -> str:
            if dump.database == PLATFORM_DATABASE:
                return self._url
            with psycopg.connect(self._url, autocommit=True) as conn:
                directory = _directory(conn, manifest.platform_schema, self._url_of)
            for url, schemas in directory.items():
                if url and schemas & set(dump.schemas):
                    return url
            raise BackupError(f"the tenant directory names no database for {dump.database}")

        return target

    def _restore_dump(self, file: Path, url: str) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            major = server_major(conn)
        tool, _ = self._tools.find("pg_restore", major)
        args = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        run_tool(tool, [*args, str(file)], url)


def location_from_settings(settings: Settings) -> BackupLocation:
    if settings.niaga_backup_storage is BackupStorageKind.S3:
        if not settings.niaga_backup_s3_bucket:
            raise BackupError("NIAGA_BACKUP_STORAGE=s3 needs NIAGA_BACKUP_S3_BUCKET")
        import boto3  # only needed when backups go to S3

        client = boto3.client(
            "s3", endpoint_url=settings.niaga_s3_endpoint_url, region_name=settings.niaga_s3_region
        )
        return S3Backups(client, settings.niaga_backup_s3_bucket, settings.niaga_backup_s3_prefix)
    return LocalBackups(settings.niaga_backup_dir or settings.niaga_data_dir / "backups")


def destroy_keys_of_forgotten(conn: Connection[Any], schema: str) -> int:
    """Destroy the key of every subject whose `Customer.Forgotten` event is in this store's log
    (a tombstone where no key row is left); return how many keys were still there."""
    rows = conn.execute(
        sql.SQL(
            "INSERT INTO {0}.personal_data_keys (subject_id, key, destroyed_at) "
            "SELECT DISTINCT originator_id, NULL::bytea, now() FROM {0}.niaga_events "
            "WHERE topic LIKE %s "
            "ON CONFLICT (subject_id) DO UPDATE SET key = NULL, "
            "destroyed_at = coalesce(personal_data_keys.destroyed_at, now()) "
            "WHERE personal_data_keys.key IS NOT NULL RETURNING subject_id"
        ).format(sql.Identifier(schema)),
        (_FORGOTTEN_TOPIC,),
    ).fetchall()
    return len(rows)


def _server_url(
    platform_url: str, servers: dict[str, str], server: str | None, database: str | None
) -> str | None:
    """The URL of a store's database from the directory's names (None: the platform's)."""
    if server is None:
        return None
    url = platform_url if server == "main" else servers[server]
    return url if database is None else make_conninfo(url, dbname=database)


@contextmanager
def _snapshot(url: str) -> Iterator[tuple[Connection[Any], str]]:
    """A read-only REPEATABLE READ transaction and the id of its exported snapshot, which
    pg_dump shares while the transaction stays open."""
    with psycopg.connect(url, autocommit=False) as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        try:
            yield conn, str(scalar(conn, "SELECT pg_export_snapshot()"))
        finally:
            conn.rollback()


def _directory(
    conn: Connection[Any],
    platform_schema: str,
    url_of: Callable[[str | None, str | None], str | None],
) -> dict[str | None, set[str]]:
    """Database URL (None: the platform's) -> the tenant schemas in it."""
    rows = conn.execute(
        sql.SQL(
            "SELECT DISTINCT server, database_name, schema_name FROM {}.tenant_directory"
        ).format(sql.Identifier(platform_schema))
    ).fetchall()
    directory: dict[str | None, set[str]] = {}
    for server, database, schema in rows:
        url = url_of(server, database)
        if url is not None or schema != platform_schema:
            directory.setdefault(url, set()).add(schema)
    return directory


def _settle(
    targets: Callable[[DumpFile], str], manifest: Manifest, store: StoreSummary
) -> RestoredStore:
    """Re-apply forgetting in one restored store, then check it against the manifest."""
    [dump] = [d for d in manifest.dumps if d.database == store.database]
    with psycopg.connect(targets(dump), autocommit=True) as conn:
        destroyed = destroy_keys_of_forgotten(conn, store.schema_name)
        events = scalar(conn, "SELECT count(*) FROM {}.niaga_events", store.schema_name)
        anchors = {store.head_id: bytes.fromhex(store.head_hash)} if store.head_id else {}
        chain = chain_verification.verify(conn, store.schema_name, store.name, anchors=anchors)
    return RestoredStore(store.name, events, store.events, chain.intact, destroyed)


def _refuse_unless_empty(url: str, schemas: list[str]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        present = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s) ORDER BY nspname",
            (schemas,),
        ).fetchall()
    if present:
        names = ", ".join(r[0] for r in present)
        raise BackupError(f"restore needs an empty database; it already has schema(s) {names}")
