"""The read model's values on local disk, out of the heap: a str -> bytes mapping whose values are appended to a file
and read back with ``pread``; only the index (one int per key) stays in memory.

Why: every worker keeps every person's encoded state in its read model (replica.py), 20,000 x ~2.8 KB = ~56 MB of
heap at 20,000 people and ten times that at 100,000, whatever the worker's share of the partitions. On disk, those
bytes are in the kernel's page cache at best (reclaimable, and not the process's resident memory) and on the disk
at worst; a read costs a system call beside a decode that costs a hundred times more.

The file is a cache of the changelogs, never a source: it is created unlinked in the worker's data directory
(PAARS_ANALYTICS_STATE_DIR) at each start, so a crash leaves nothing to clean up or to trust, and the read model is
rebuilt from the changelogs as before. Writes are append-only: a value replaced or deleted leaves dead bytes, and
the file is rewritten with the live values only once it holds more than twice their size (plus ``SLACK_BYTES``).
The last ``TAIL_BYTES`` appended wait in memory and go to the file in one write.

``copy()`` is a frozen view for a reader that yields while it reads (the full insight scan): it shares the file
and copies the index, and since nothing written is ever overwritten in place, what it reads stays what it saw.
A rewrite starts a new file; the old one stays open for as long as a view refers to it.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, MutableMapping
from typing import IO

# Appended values kept in memory before one write to the file.
TAIL_BYTES = 256 * 1024
# Dead bytes allowed on top of the live ones before the file is rewritten (so a small table is not rewritten often).
SLACK_BYTES = 16 * 1024 * 1024
_LENGTH_BITS = 32
_LENGTH_MASK = (1 << _LENGTH_BITS) - 1


def _new_file(directory: str | None) -> IO[bytes]:
    # Open for the mapping's life (and a view's), not a block's: closed by close() or when the last holder goes.
    return tempfile.TemporaryFile(dir=directory)


class SpilledValues(MutableMapping[str, bytes]):
    """Values in an unlinked file of ``directory`` (the system's temporary directory if None), an index in memory."""

    def __init__(self, directory: str | None = None, *, tail_bytes: int = TAIL_BYTES, slack_bytes: int = SLACK_BYTES) -> None:
        self.directory = directory
        self.tail_bytes = tail_bytes
        self.slack_bytes = slack_bytes
        if directory is not None:
            os.makedirs(directory, exist_ok=True)
        self._file = _new_file(directory)
        # Per key, its value's offset in the file and length, packed in one int (offset << 32 | length).
        self._index: dict[str, int] = {}
        self._written = 0
        self._tail = bytearray()
        self._live = 0
        self._frozen = False
        self.rewrites = 0

    # ---- reading ----

    def __getitem__(self, key: str) -> bytes:
        packed = self._index[key]
        offset, length = packed >> _LENGTH_BITS, packed & _LENGTH_MASK
        if offset >= self._written:
            start = offset - self._written
            return bytes(self._tail[start:start + length])
        value = os.pread(self._file.fileno(), length, offset)
        if len(value) != length:
            raise OSError(f"the read model's file returned {len(value)} of {length} bytes at {offset}")
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    @property
    def live_bytes(self) -> int:
        """The bytes of the values held now."""
        return self._live

    @property
    def file_bytes(self) -> int:
        """The bytes appended since the file was last rewritten (live and dead), including the tail not written yet."""
        return self._written + len(self._tail)

    # ---- writing ----

    def __setitem__(self, key: str, value: bytes) -> None:
        if self._frozen:
            raise TypeError("a copy of the read model's values is read-only")
        length = len(value)
        if length > _LENGTH_MASK:
            raise ValueError(f"a value of {length} bytes is over the read model's limit")
        old = self._index.get(key)
        if old is not None:
            self._live -= old & _LENGTH_MASK
        offset = self._written + len(self._tail)
        self._tail += value
        self._index[key] = offset << _LENGTH_BITS | length
        self._live += length
        if len(self._tail) >= self.tail_bytes:
            self._write_tail()
            if self._written > 2 * self._live + self.slack_bytes:
                self._rewrite()

    def __delitem__(self, key: str) -> None:
        if not self.discard(key):
            raise KeyError(key)

    def discard(self, key: str) -> bool:
        """Removes ``key`` if it is held (without reading its value, as ``pop`` would); whether it was."""
        if self._frozen:
            raise TypeError("a copy of the read model's values is read-only")
        packed = self._index.pop(key, None)
        if packed is None:
            return False
        self._live -= packed & _LENGTH_MASK
        return True

    def _write_tail(self) -> None:
        if self._tail:
            os.pwrite(self._file.fileno(), self._tail, self._written)
            self._written += len(self._tail)
            self._tail = bytearray()

    def _rewrite(self) -> None:
        """A new file with the live values only, in the index's order; the old file closes when no view holds it."""
        fresh = _new_file(self.directory)
        index: dict[str, int] = {}
        chunk = bytearray()
        written = 0
        for key in self._index:
            value = self[key]
            index[key] = (written + len(chunk)) << _LENGTH_BITS | len(value)
            chunk += value
            if len(chunk) >= self.tail_bytes:
                os.pwrite(fresh.fileno(), chunk, written)
                written += len(chunk)
                chunk = bytearray()
        if chunk:
            os.pwrite(fresh.fileno(), chunk, written)
            written += len(chunk)
        self._file, self._index, self._written, self._tail = fresh, index, written, bytearray()
        self.rewrites += 1

    def copy(self) -> SpilledValues:
        """A read-only view of the values as they are now, sharing the file (see the module's docstring)."""
        self._write_tail()
        view = SpilledValues.__new__(SpilledValues)
        view.directory, view.tail_bytes, view.slack_bytes = self.directory, self.tail_bytes, self.slack_bytes
        view._file, view._index, view._written, view._tail = self._file, dict(self._index), self._written, bytearray()
        view._live, view._frozen, view.rewrites = self._live, True, 0
        return view

    def close(self) -> None:
        """Closes the file (a view keeps its own reference open until it is dropped)."""
        self._file.close()
