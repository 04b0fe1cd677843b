"""The read model's values on local disk (paars_analytics/spill.py): a mapping that reads back what was written, keeps
only an index in memory, rewrites its file when dead bytes pile up, and gives frozen views that a later write or a
rewrite does not change."""
from __future__ import annotations

import os
import random
import tracemalloc

import pytest

from paars_analytics.replica import Replicated
from paars_analytics.spill import SpilledValues


def test_values_read_back_as_written_whether_in_the_tail_or_the_file(tmp_path) -> None:
    values = SpilledValues(str(tmp_path), tail_bytes=100)
    values["ann"] = b"a" * 30
    values["bob"] = b"b" * 30
    assert values.file_bytes == 60 and values["ann"] == b"a" * 30, "read from the tail, not written yet"
    values["cis"] = b"c" * 50
    assert values["cis"] == b"c" * 50 and values["ann"] == b"a" * 30, "read from the file once the tail was written"
    values["ann"] = b"A" * 10
    assert values["ann"] == b"A" * 10 and values.get("dan") is None and "dan" not in values
    assert sorted(values) == ["ann", "bob", "cis"] and len(values) == 3 and values.live_bytes == 90
    assert values.discard("bob") is True and values.discard("bob") is False and "bob" not in values
    with pytest.raises(KeyError):
        del values["bob"]
    assert values.live_bytes == 60
    values["empty"] = b""
    assert values["empty"] == b""


def test_the_file_is_unlinked_in_the_directory_it_is_given(tmp_path) -> None:
    target = tmp_path / "analytics"
    values = SpilledValues(str(target))
    values["ann"] = b"x" * 1000
    values.copy()
    assert target.is_dir() and list(target.iterdir()) == [], "nothing left behind to clean up or to trust"
    assert os.fstat(values._file.fileno()).st_nlink == 0


def test_dead_bytes_are_rewritten_away_and_every_value_survives(tmp_path) -> None:
    rng = random.Random(7)
    values = SpilledValues(str(tmp_path), tail_bytes=4096, slack_bytes=16_384)
    expected: dict[str, bytes] = {}
    for _ in range(20_000):
        key = f"p{rng.randrange(300)}"
        if rng.random() < 0.05:
            values.discard(key)
            expected.pop(key, None)
            continue
        value = rng.randbytes(rng.randrange(1, 400))
        values[key] = value
        expected[key] = value
    assert values.rewrites > 0, "the file was rewritten once its dead bytes passed the bound"
    assert values.file_bytes <= 2 * values.live_bytes + 16_384 + 4096 + 400
    assert dict(values.items()) == expected and values.live_bytes == sum(map(len, expected.values()))


def test_a_copy_keeps_what_it_saw_through_later_writes_deletes_and_rewrites(tmp_path) -> None:
    values = SpilledValues(str(tmp_path), tail_bytes=256, slack_bytes=0)
    for n in range(50):
        values[f"p{n}"] = bytes([n]) * 100
    view = values.copy()
    for round_ in range(20):
        for n in range(50):
            values[f"p{n}"] = bytes([round_]) * 100
    values.discard("p1")
    assert values.rewrites > 0 and values["p2"] == bytes([19]) * 100 and "p1" not in values
    assert len(view) == 50 and all(view[f"p{n}"] == bytes([n]) * 100 for n in range(50))
    with pytest.raises(TypeError):
        view["p1"] = b"no"
    with pytest.raises(TypeError):
        view.discard("p1")


def test_a_replicated_table_holds_an_int_per_key_in_memory_not_its_values(tmp_path) -> None:
    read = Replicated(lambda raw: raw, directory=str(tmp_path))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(2_000):
        read.put(f"{n:08d}-0000-4000-8000-000000000000", os.urandom(2_800), n % 6)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    # 2,000 values of 2.8 KB are 5.6 MB; the keys, their partitions and the index are ~0.6 MB.
    assert held < 1_000_000, f"{held} bytes held in memory for 2,000 values"
    frozen = read.snapshot()
    read.put("00000001-0000-4000-8000-000000000000", None)
    assert "00000001-0000-4000-8000-000000000000" in frozen and len(frozen) == 2_000 and len(read) == 1_999
