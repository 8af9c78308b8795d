"""Backups of everything the portal cannot make again: the database and the uploaded files
(evidence, meeting documents, generated reports under MEDIA_ROOT).

A backup is a folder named for its time (UTC) under BACKUP_DIR (var/backups by default):

- database.dump: PostgreSQL's own pg_dump, custom format (one consistent snapshot, while
  the portal runs), restored with pg_restore; or database.sqlite3, a consistent copy of
  the embedded SQLite file made with SQLite's backup API;
- media.tar.gz: every file under MEDIA_ROOT;
- manifest.json: what is in it and the SHA-256 of each part, checked before a restore.

The folder is written under a temporary name and renamed when complete, so a backup cut
short never looks like one. A restore goes only into an empty database and an empty media
folder, unless forced: then what is there is replaced.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_ARCHIVE = "media.tar.gz"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class RestoreResult:
    database: str
    media_files: int


def backup_dir() -> Path:
    return Path(os.environ.get("BACKUP_DIR") or Path(settings.BASE_DIR) / "var" / "backups")


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups know PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_environ() -> dict[str, str]:
    """libpq's variables for the configured database: the password never appears on a
    command line (where `ps` would show it)."""
    db = settings.DATABASES["default"]
    values = {
        "PGDATABASE": db["NAME"],
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode", ""),
    }
    return {**os.environ, **{name: value for name, value in values.items() if value}}


def _run(args: list[str]) -> None:
    try:
        done = subprocess.run(args, env=_pg_environ(), capture_output=True, text=True)
    except FileNotFoundError as error:
        raise BackupError(
            f"{args[0]} is not installed: install PostgreSQL's client programs."
        ) from error
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()}")


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


# --- Backup ------------------------------------------------------------------------------


def backup_create(*, directory: Path | None = None) -> Path:
    """Back up the database and every uploaded file into a new folder under `directory`
    (BACKUP_DIR); returns the folder."""
    engine = _engine()
    base = Path(directory or backup_dir())
    base.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    final = base / stamp
    suffix = 1
    while final.exists():
        suffix += 1
        final = base / f"{stamp}-{suffix}"
    partial = base / f".partial-{final.name}"
    partial.mkdir()
    try:
        if engine == "postgresql":
            database = PG_DUMP
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={partial / PG_DUMP}",
                ]
            )
        else:
            database = SQLITE_COPY
            _sqlite_copy(Path(settings.DATABASES["default"]["NAME"]), partial / SQLITE_COPY)
        media_root = Path(settings.MEDIA_ROOT)
        files = _media_files(media_root)
        with tarfile.open(partial / MEDIA_ARCHIVE, "w:gz") as archive:
            for path in files:
                archive.add(path, arcname=path.relative_to(media_root).as_posix())
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "engine": engine,
            "database": database,
            "media": MEDIA_ARCHIVE,
            "media_files": len(files),
            "sha256": {name: _sha256(partial / name) for name in (database, MEDIA_ARCHIVE)},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy even while the portal writes: SQLite's backup API."""
    if not source.is_file():
        raise BackupError(f"There is no SQLite database at {source}.")
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


# --- Restore -----------------------------------------------------------------------------


def _manifest(source: Path) -> dict:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} is not a backup: it has no {MANIFEST}.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is a backup of an unknown format.")
    for name, expected in manifest["sha256"].items():
        part = source / name
        if not part.is_file() or _sha256(part) != expected:
            raise BackupError(f"{part} is missing or damaged (its checksum does not match).")
    return manifest


def _database_is_empty() -> bool:
    if connection.vendor == "sqlite":
        # A fresh clone's var/ may not exist yet: SQLite cannot even say the file is empty.
        Path(settings.DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def backup_restore(*, source: Path, force: bool = False) -> RestoreResult:
    """Restore a backup into the configured database and MEDIA_ROOT, both empty unless
    `force` (then their content is replaced). Nothing is changed if a check fails."""
    source = Path(source)
    manifest = _manifest(source)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(
            f"This is a backup of a {manifest['engine']} database; the portal is set up "
            f"for {engine} (DATABASE_URL)."
        )
    media_root = Path(settings.MEDIA_ROOT)
    if not force:
        if not _database_is_empty():
            raise BackupError(
                "The database is not empty. Restore into a new, empty database, or give "
                "--force to replace everything in it."
            )
        if _media_files(media_root):
            raise BackupError(
                f"The media folder {media_root} is not empty. Restore into an empty one, or "
                "give --force to replace its files."
            )
    database = source / manifest["database"]
    if engine == "postgresql":
        _pg_restore(database, replace=force)
    else:
        _sqlite_restore(database, Path(settings.DATABASES["default"]["NAME"]))
    count = _media_restore(source / manifest["media"], media_root)
    return RestoreResult(database=settings.DATABASES["default"]["NAME"], media_files=count)


def _pg_restore(dump: Path, *, replace: bool) -> None:
    if replace:
        # Every table, sequence and view of the portal lives in the public schema; what a
        # later migration added must go too, or the restored migration state would lie.
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(dump),
        ]
    )


def _sqlite_restore(copy: Path, target: Path) -> None:
    connection.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    reader = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        # The backup API replaces the whole target, pages and all.
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _media_restore(archive_path: Path, media_root: Path) -> int:
    with tarfile.open(archive_path, "r:gz") as archive:
        members = archive.getmembers()
        for member in members:
            if not member.isfile():
                raise BackupError(f"{archive_path} holds {member.name}, which is not a file.")
        if media_root.is_dir():
            for child in media_root.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        media_root.mkdir(parents=True, exist_ok=True)
        # The "data" filter refuses absolute paths, ".." and links out of the folder.
        archive.extractall(media_root, members=members, filter="data")
    return len(members)
