"""The emulator's own state in one sqlite3 file, so servers and tokens survive a restart.

One connection is shared by every request thread; a re-entrant lock serialises all access, which
is plenty for an emulator and keeps read-advance-write sequences atomic.

A create reads only what it checks (names, the count, a subnet's addresses, the latest creation
time) through indexed columns, so its cost does not grow with the servers the project holds.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from modelarts_emulator.servers import ServerRecord

_SCHEMA = """
CREATE TABLE IF NOT EXISTS servers (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS servers_by_project ON servers (project_id);
CREATE INDEX IF NOT EXISTS servers_by_project_status ON servers (project_id, status);
CREATE INDEX IF NOT EXISTS servers_by_project_name ON servers (project_id, name);
CREATE TABLE IF NOT EXISTS tokens (
    token_sha256 TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    domain TEXT NOT NULL,
    project_id TEXT NOT NULL,
    issued_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
"""


_CREATE_COLUMNS = {"subnet_id": "TEXT", "private_ip": "TEXT", "create_at": "INTEGER"}
_CREATE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS servers_by_subnet ON servers (project_id, subnet_id, private_ip)",
    "CREATE INDEX IF NOT EXISTS servers_by_subnet_created ON servers (project_id, subnet_id, create_at)",
    "CREATE INDEX IF NOT EXISTS servers_by_created ON servers (project_id, create_at)",
)


@dataclass(frozen=True)
class TokenRecord:
    user_id: str
    user_name: str
    domain: str
    project_id: str
    issued_at_ms: int
    expires_at_ms: int


def _token_digest(token: str) -> str:
    # Only a digest is stored, so the store file does not hold usable tokens.
    return hashlib.sha256(token.encode()).hexdigest()


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._depth = 0
        self._connection.executescript(_SCHEMA)
        self._add_create_columns()

    def _add_create_columns(self) -> None:
        """The columns a create reads, added to (and filled in) a store written before they existed."""
        present = {row[1] for row in self._connection.execute("PRAGMA table_info(servers)")}
        with self.transaction():
            for column, kind in _CREATE_COLUMNS.items():
                if column not in present:
                    self._connection.execute(f"ALTER TABLE servers ADD COLUMN {column} {kind}")
                    self._connection.execute(
                        f"UPDATE servers SET {column} = json_extract(document, '$.{column}')"
                    )
            for statement in _CREATE_INDEXES:
                self._connection.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock; nested uses join the outermost transaction."""
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._connection.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._connection.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._connection.execute("COMMIT")

    def servers_in_project(self, project_id: str) -> list[ServerRecord]:
        with self.transaction():
            rows = self._connection.execute(
                "SELECT document FROM servers WHERE project_id = ?", (project_id,)
            ).fetchall()
        return [ServerRecord.from_document(json.loads(document)) for (document,) in rows]

    def servers_with_status(self, project_id: str, statuses: frozenset[str]) -> list[ServerRecord]:
        marks = ", ".join("?" * len(statuses))
        with self.transaction():
            rows = self._connection.execute(
                f"SELECT document FROM servers WHERE project_id = ? AND status IN ({marks})",
                (project_id, *sorted(statuses)),
            ).fetchall()
        return [ServerRecord.from_document(json.loads(document)) for (document,) in rows]

    def names_in_use(self, project_id: str, names: list[str], *, except_status: str) -> set[str]:
        marks = ", ".join("?" * len(names))
        with self.transaction():
            rows = self._connection.execute(
                f"SELECT name FROM servers WHERE project_id = ? AND status <> ? AND name IN ({marks})",
                (project_id, except_status, *names),
            ).fetchall()
        return {name for (name,) in rows}

    def count_servers(self, project_id: str, *, except_status: str) -> int:
        with self.transaction():
            (count,) = self._connection.execute(
                "SELECT COUNT(*) FROM servers WHERE project_id = ? AND status <> ?",
                (project_id, except_status),
            ).fetchone()
        return count

    def addresses_in_subnet(self, project_id: str, subnet_id: str) -> set[str]:
        with self.transaction():
            rows = self._connection.execute(
                "SELECT private_ip FROM servers WHERE project_id = ? AND subnet_id = ?",
                (project_id, subnet_id),
            ).fetchall()
        return {address for (address,) in rows}

    def newest_address(self, project_id: str, subnet_id: str) -> str | None:
        with self.transaction():
            row = self._connection.execute(
                "SELECT private_ip FROM servers WHERE project_id = ? AND subnet_id = ? "
                "ORDER BY create_at DESC LIMIT 1",
                (project_id, subnet_id),
            ).fetchone()
        return row[0] if row else None

    def addresses_taken(self, project_id: str, subnet_id: str, addresses: list[str]) -> bool:
        marks = ", ".join("?" * len(addresses))
        with self.transaction():
            row = self._connection.execute(
                f"SELECT 1 FROM servers WHERE project_id = ? AND subnet_id = ? AND private_ip IN ({marks}) LIMIT 1",
                (project_id, subnet_id, *addresses),
            ).fetchone()
        return row is not None

    def latest_create_at(self, project_id: str) -> int:
        with self.transaction():
            (latest,) = self._connection.execute(
                "SELECT MAX(create_at) FROM servers WHERE project_id = ?", (project_id,)
            ).fetchone()
        return latest or 0

    def server(self, server_id: str) -> ServerRecord | None:
        with self.transaction():
            row = self._connection.execute(
                "SELECT document FROM servers WHERE id = ?", (server_id,)
            ).fetchone()
        return None if row is None else ServerRecord.from_document(json.loads(row[0]))

    def save_server(self, record: ServerRecord) -> None:
        with self.transaction():
            self._connection.execute(
                "INSERT OR REPLACE INTO servers "
                "(id, project_id, name, status, document, subnet_id, private_ip, create_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.project_id,
                    record.name,
                    record.status,
                    json.dumps(record.to_document()),
                    record.subnet_id,
                    record.private_ip,
                    record.create_at,
                ),
            )

    def delete_server(self, server_id: str) -> None:
        with self.transaction():
            self._connection.execute("DELETE FROM servers WHERE id = ?", (server_id,))

    def delete_all_servers(self) -> None:
        with self.transaction():
            self._connection.execute("DELETE FROM servers")

    def save_token(self, token: str, record: TokenRecord) -> None:
        with self.transaction():
            self._connection.execute(
                "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _token_digest(token),
                    record.user_id,
                    record.user_name,
                    record.domain,
                    record.project_id,
                    record.issued_at_ms,
                    record.expires_at_ms,
                ),
            )

    def token(self, token: str) -> TokenRecord | None:
        with self.transaction():
            row = self._connection.execute(
                "SELECT user_id, user_name, domain, project_id, issued_at_ms, expires_at_ms "
                "FROM tokens WHERE token_sha256 = ?",
                (_token_digest(token),),
            ).fetchone()
        return None if row is None else TokenRecord(*row)
