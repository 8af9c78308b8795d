"""Nothing lost: `manage.py backup` then `manage.py restore` (what `make backup` and `make
restore` run) bring back every row of every table and every uploaded file, into an empty
database and an empty media folder; a restore over data is refused unless forced.

Each test runs the commands as other processes on databases of its own (created and dropped
here), never the test run's database: the PostgreSQL test takes its server from
DATABASE_URL; the SQLite one uses files in a temporary folder."""

import hashlib
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.conftest import REQUIRE_REAL_SERVICES

ROOT = Path(__file__).resolve().parent.parent
MEDIA = {
    # An evidence file, a meeting document and generated reports, as the portal stores them.
    "evidence/2024/05/progress-photo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
    "meetings/documents/minutes-ewg-2024-01.pdf": b"%PDF-1.7\n" + b"minutes " * 5000,
    "reports/disbursement/2024-03/disbursement-2024-03.pdf": b"%PDF-1.7\nreport\n",
    "reports/disbursement/2024-03/disbursement-2024-03.xlsx": b"PK\x03\x04" + os.urandom(4096),
}


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def _env(database_url: str, media: Path, backups: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ctportal.settings.local",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "BACKUP_DIR": str(backups),
        "PYTHONUNBUFFERED": "1",
    }


def _write_media(media: Path) -> None:
    for name, content in MEDIA.items():
        path = media / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _checksums(media: Path) -> dict[str, str]:
    return {
        path.relative_to(media).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media.rglob("*"))
        if path.is_file()
    }


def _backup_folder(stdout: str) -> Path:
    return Path(stdout.strip().splitlines()[-1])


# --- PostgreSQL ----------------------------------------------------------------------------


def _postgres_server() -> dict:
    """The server of DATABASE_URL (the test run's own database is left alone)."""
    if connection.vendor != "postgresql":
        reason = "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/x"
        if REQUIRE_REAL_SERVICES:
            pytest.fail(reason)
        pytest.skip(reason)
    db = connection.settings_dict
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": int(db["PORT"] or 5432),
        "user": db["USER"] or "postgres",
        "password": db["PASSWORD"] or "",
    }


def _admin(server: dict) -> psycopg.Connection:
    return psycopg.connect(dbname="postgres", autocommit=True, **server)


def _url(server: dict, name: str) -> str:
    password = f":{server['password']}" if server["password"] else ""
    return f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"


def _pg_tables(server: dict, name: str) -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of all its rows in order)} for every table of the database."""
    with psycopg.connect(dbname=name, **server) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        rows = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
        return {
            table: db.execute(f'SELECT count(*), {rows} FROM "{table}" t').fetchone()
            for table in tables
        }


@pytest.fixture
def pg_databases():
    """Two throwaway databases on the server: (server, source name, target name)."""
    server = _postgres_server()
    stem = f"ctportal_backup_{uuid.uuid4().hex[:10]}"
    names = (f"{stem}_source", f"{stem}_target")
    with _admin(server) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server, *names
    finally:
        with _admin(server) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_a_backup_of_the_demo_restores_every_row_and_every_file_on_postgresql(
    pg_databases, tmp_path
):
    server, source, target = pg_databases
    backups = tmp_path / "backups"
    source_media, target_media = tmp_path / "media-source", tmp_path / "media-target"
    source_env = _env(_url(server, source), source_media, backups)
    _ok(_manage(source_env, "migrate", "--noinput"))
    _ok(_manage(source_env, "load_demo", "--no-reports"))
    _write_media(source_media)
    before = _pg_tables(server, source)
    files = _checksums(source_media)

    folder = _backup_folder(_ok(_manage(source_env, "backup")))

    assert folder.parent == backups
    assert sorted(p.name for p in folder.iterdir()) == [
        "database.dump",
        "manifest.json",
        "media.tar.gz",
    ]
    target_env = _env(_url(server, target), target_media, backups)
    _ok(_manage(target_env, "restore", str(folder)))
    after = _pg_tables(server, target)
    # The demo is there: users, agreements, tranches, workplans, progress and their history.
    for table in (
        "auth_user",
        "donors_disbursement",
        "donors_historicaldisbursement",
        "workplans_activity",
        "workplans_progressupdate",
    ):
        assert before[table][0] > 0, table
    assert after == before
    assert (
        _checksums(target_media)
        == files
        == {name: hashlib.sha256(content).hexdigest() for name, content in MEDIA.items()}
    )

    # Restoring again over what is there now is refused, and changes nothing.
    refused = _manage(target_env, "restore", str(folder))
    assert refused.returncode == 1
    assert "The database is not empty" in refused.stderr
    assert _pg_tables(server, target) == before
    # Forced, it replaces the database (a table a later migration made goes too) and files.
    with psycopg.connect(dbname=target, autocommit=True, **server) as db:
        db.execute("CREATE TABLE stray (id int)")
        db.execute(
            "DELETE FROM donors_disbursement WHERE id IN (SELECT min(id) FROM donors_disbursement)"
        )
    (target_media / "stray.txt").write_text("not in the backup")
    _ok(_manage(target_env, "restore", "--force", str(folder)))
    assert _pg_tables(server, target) == before
    assert _checksums(target_media) == files


# --- SQLite (the embedded default) --------------------------------------------------------


def test_a_backup_restores_every_row_and_every_file_on_sqlite(tmp_path):

    backups = tmp_path / "backups"
    source_db, target_db = tmp_path / "source.sqlite3", tmp_path / "restored" / "target.sqlite3"
    source_media, target_media = tmp_path / "media-source", tmp_path / "media-target"
    source_env = _env(f"sqlite:///{source_db}", source_media, backups)
    _ok(_manage(source_env, "migrate", "--noinput"))
    _ok(_manage(source_env, "load_demo", "--no-reports"))
    _write_media(source_media)

    def tables(path: Path) -> dict[str, list]:
        with sqlite3.connect(path) as db:
            names = [
                row[0]
                for row in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
            return {
                name: sorted(map(repr, db.execute(f'SELECT * FROM "{name}"'))) for name in names
            }

    before = tables(source_db)
    folder = _backup_folder(_ok(_manage(source_env, "backup")))
    target_env = _env(f"sqlite:///{target_db}", target_media, backups)
    _ok(_manage(target_env, "restore", str(folder)))

    assert len(before["auth_user"]) > 0
    assert tables(target_db) == before
    assert _checksums(target_media) == _checksums(source_media)
    assert len(_checksums(target_media)) == len(MEDIA)


def test_a_restore_refuses_a_media_folder_with_files_and_a_damaged_backup(tmp_path):
    backups = tmp_path / "backups"
    source_media, target_media = tmp_path / "media-source", tmp_path / "media-target"
    source_env = _env(f"sqlite:///{tmp_path / 'source.sqlite3'}", source_media, backups)
    _ok(_manage(source_env, "migrate", "--noinput", "organisations"))
    _write_media(source_media)
    folder = _backup_folder(_ok(_manage(source_env, "backup")))
    target_db = tmp_path / "target.sqlite3"
    target_env = _env(f"sqlite:///{target_db}", target_media, backups)

    (target_media / "evidence").mkdir(parents=True)
    (target_media / "evidence" / "kept.pdf").write_bytes(b"%PDF-1.7 someone's evidence")
    refused = _manage(target_env, "restore", str(folder))
    assert refused.returncode == 1
    assert f"The media folder {target_media} is not empty" in refused.stderr
    assert [p.name for p in target_media.rglob("*") if p.is_file()] == ["kept.pdf"]
    # Nothing restored: at most the empty file SQLite leaves on connecting (in WAL mode,
    # a one-page header), no table in it.
    if target_db.exists():
        with sqlite3.connect(target_db) as db:
            assert db.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)

    archive = folder / "media.tar.gz"
    archive.write_bytes(archive.read_bytes()[:-10])
    damaged = _manage(
        _env(f"sqlite:///{target_db}", tmp_path / "empty", backups), "restore", str(folder)
    )
    assert damaged.returncode == 1
    assert f"{archive} is missing or damaged" in damaged.stderr
    assert not (tmp_path / "empty").exists()
