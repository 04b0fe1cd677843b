"""Rotation of the key-encryption key (issue 18): a key's id, which key wraps (the current one) and which unwraps
(the one a row names; a row from before ids, whichever configured key opens it), and the settings that name them."""
from __future__ import annotations

import base64
import hashlib

import pytest

from paars_platform import crypto
from paars_platform.config import Settings


def _kek() -> tuple[str, crypto.KeyEncryptionKey]:
    text = crypto.KeyEncryptionKey.generate()
    return text, crypto.KeyEncryptionKey.from_text(text)


def test_a_keys_id_is_the_first_8_bytes_of_its_sha256_in_hex_and_tells_keys_apart() -> None:
    text, kek = _kek()
    assert kek.id == hashlib.sha256(base64.b64decode(text)).digest()[:8].hex() and len(kek.id) == 16
    assert crypto.KeyEncryptionKey.from_text(text).id == kek.id
    assert _kek()[1].id != kek.id


def test_new_keys_are_wrapped_by_the_current_key_and_each_row_unwraps_with_the_key_it_names() -> None:
    (old_text, old), (new_text, new) = _kek(), _kek()
    keys = crypto.KeyEncryptionKeys.from_text(new_text, f" {old_text} ,")
    data_key = crypto.new_data_key()
    kek_id, wrapped = keys.wrap("ann", "kid", data_key)
    assert kek_id == new.id and new.unwrap("ann", "kid", wrapped) == data_key
    with pytest.raises(crypto.UndecryptableField):
        old.unwrap("ann", "kid", wrapped)
    by_old = old.wrap("ann", "kid", data_key)
    assert keys.unwrap("ann", "kid", by_old, old.id) == data_key
    assert keys.retired_ids == (old.id,)
    # The id decides: a row naming the current key is not tried with the retired one.
    with pytest.raises(crypto.UndecryptableField):
        keys.unwrap("ann", "kid", by_old, new.id)


def test_a_row_from_before_key_ids_unwraps_with_whichever_configured_key_opens_it() -> None:
    (old_text, old), (new_text, _) = _kek(), _kek()
    data_key = crypto.new_data_key()
    keys = crypto.KeyEncryptionKeys.from_text(new_text, old_text)
    assert keys.unwrap("ann", "kid", old.wrap("ann", "kid", data_key), None) == data_key
    with pytest.raises(crypto.UndecryptableField, match="PAARS_KEY_ENCRYPTION_KEYS_RETIRED"):
        keys.unwrap("ann", "kid", _kek()[1].wrap("ann", "kid", data_key), None)


def test_a_row_naming_a_key_not_configured_is_refused_naming_the_variables() -> None:
    (_, old), (new_text, _) = _kek(), _kek()
    keys = crypto.KeyEncryptionKeys.from_text(new_text)
    with pytest.raises(crypto.UndecryptableField, match=f"{old.id}.*PAARS_KEY_ENCRYPTION_KEYS_RETIRED"):
        keys.unwrap("ann", "kid", old.wrap("ann", "kid", crypto.new_data_key()), old.id)


def test_the_current_key_listed_as_retired_too_is_current_only_and_a_bad_retired_entry_names_the_variable() -> None:
    (text, kek), (old_text, old) = _kek(), _kek()
    keys = crypto.KeyEncryptionKeys.from_text(text, f"{old_text},{text},{old_text}")
    assert keys.current.id == kek.id and keys.retired_ids == (old.id,) and set(keys.by_id) == {kek.id, old.id}
    with pytest.raises(ValueError, match="PAARS_KEY_ENCRYPTION_KEYS_RETIRED: entry 2"):
        crypto.KeyEncryptionKeys.from_text(text, f"{old_text},not-a-key")


def test_the_settings_read_the_retired_keys_and_the_rewrap_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAARS_KEY_ENCRYPTION_KEYS_RETIRED", "a,b")
    monkeypatch.setenv("PAARS_KEY_REWRAP_EVERY_SECONDS", "5")
    settings = Settings.from_env("goals")
    assert settings.key_encryption_keys_retired == "a,b" and settings.key_rewrap_every_seconds == 5.0
    assert "a,b" not in repr(settings)
