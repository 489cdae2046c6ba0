"""A sweep's store: an SQLite file (write-ahead log) holding every finished task.

Each task's record (its status, message and time, and each output as an ``.npy`` blob) is
written in one transaction as soon as it arrives, so a sweep killed at any instant keeps
every task that finished and never a half-written one. The store also holds the sweep's
fingerprint, hashes of

* the model declaration (its model-file text, or a canonical rendering of what cannot be
  written to a file: networks, Python callables),
* the settings (task, options, grid, replicates, seed), and
* the package version,

and refuses, naming which differs, to add results of another sweep.
"""

import hashlib
import io
import json
import sqlite3

import numpy as np

from .._errors import ArgumentError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (cell INTEGER NOT NULL, replicate INTEGER NOT NULL,
    status INTEGER NOT NULL, message TEXT NOT NULL, seconds REAL NOT NULL,
    PRIMARY KEY (cell, replicate));
CREATE TABLE IF NOT EXISTS outputs (cell INTEGER NOT NULL, replicate INTEGER NOT NULL,
    name TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (cell, replicate, name));
"""

#: The parts of a fingerprint, and how a mismatch is explained.
PARTS = {"model": "a different model declaration", "settings": "different settings (task, "
         "options, grid, replicates or seed)", "version": "another version of coupling"}


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


class Store:
    """The SQLite file at ``path``, opened for one sweep with ``fingerprint`` (part ->
    hash, see :data:`PARTS`).

    Raises
    ------
    ArgumentError
        (argument "store") if the file holds a sweep with another fingerprint, or is not a
        sweep store.
    """

    def __init__(self, path, fingerprint, provenance):
        self.path = str(path)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as error:
            raise ArgumentError(f"store {self.path!r} is not a sweep store: {error}",
                                argument="store") from None
        stored = dict(self.db.execute("SELECT key, value FROM meta"))
        if "fingerprint" in stored:
            held = json.loads(stored["fingerprint"])
            for part, why in PARTS.items():
                if held.get(part) != fingerprint[part]:
                    self.db.close()
                    raise ArgumentError(
                        f"store {self.path!r} holds a sweep with {why} ({part} hash "
                        f"{held.get(part, '')[:12]} there, {fingerprint[part][:12]} here); "
                        "use another store, or delete it to start over", argument="store")
        else:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany("INSERT INTO meta VALUES (?, ?)",
                                    [("fingerprint", json.dumps(fingerprint)),
                                     ("provenance", json.dumps(provenance))])

    @staticmethod
    def seed_entropy(path):
        """The seed entropy a store at ``path`` was started with, or None."""
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = db.execute("SELECT value FROM meta WHERE key = 'provenance'").fetchone()
            finally:
                db.close()
        except sqlite3.DatabaseError:
            return None
        return None if row is None else json.loads(row[0]).get("seed")

    def finished(self):
        """``{(cell, replicate): (status, message, outputs, seconds)}`` of every stored task."""
        records = {(c, r): (s, m, {}, t) for c, r, s, m, t in
                   self.db.execute("SELECT cell, replicate, status, message, seconds "
                                   "FROM tasks")}
        for c, r, name, blob in self.db.execute("SELECT cell, replicate, name, value "
                                                "FROM outputs"):
            records[(c, r)][2][name] = np.load(io.BytesIO(blob), allow_pickle=False)
        return records

    def add(self, cell, replicate, record):
        """Write one task's record in one transaction."""
        status, message, outputs, seconds = record
        blobs = []
        for name, value in outputs.items():
            buffer = io.BytesIO()
            np.save(buffer, value, allow_pickle=False)
            blobs.append((cell, replicate, name, buffer.getvalue()))
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("INSERT OR REPLACE INTO tasks VALUES (?, ?, ?, ?, ?)",
                            (cell, replicate, status, message, seconds))
            self.db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?)", blobs)

    def close(self):
        self.db.close()
