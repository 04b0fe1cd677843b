"""The performance changes made for `make bench`: remembered token verifications stay correct."""
from __future__ import annotations

import time

import pytest

from paars_platform.auth import Claims, TokenVerifier, mint_token
from paars_platform.config import Settings
from paars_platform.errors import Unauthenticated


class CountingVerifier(TokenVerifier):
    """The real verifier, counting how often it checks a signature; its clock is set by the test."""

    def __init__(self) -> None:
        self.now = time.time()
        super().__init__(Settings.from_env("goals"), clock=lambda: self.now)
        self.checks = 0

    def _verify(self, token: str, key: object) -> tuple[Claims, float]:
        self.checks += 1
        return super()._verify(token, key)


def a_token(ttl_seconds: int = 3600) -> str:
    return mint_token("ann", ["employee"], secret=Settings.from_env("goals").jwt_secret, ttl_seconds=ttl_seconds)


async def test_a_token_verified_once_is_trusted_again_without_a_second_check() -> None:
    verifier, token = CountingVerifier(), a_token()
    first, second = await verifier.verify(token), await verifier.verify(token)
    assert first == second and first.subject == "ann"
    assert verifier.checks == 1


async def test_a_remembered_token_is_checked_again_once_its_window_has_passed() -> None:
    verifier, token = CountingVerifier(), a_token()
    await verifier.verify(token)
    verifier.now += TokenVerifier.CACHE_SECONDS + 1
    await verifier.verify(token)
    assert verifier.checks == 2


async def test_a_remembered_token_is_never_trusted_past_its_own_expiry() -> None:
    verifier, token = CountingVerifier(), a_token(ttl_seconds=5)
    await verifier.verify(token)
    verifier.now += 6
    await verifier.verify(token)
    assert verifier.checks == 2


async def test_a_token_that_fails_verification_is_not_remembered() -> None:
    verifier = CountingVerifier()
    tampered = a_token()[:-2] + "xx"
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await verifier.verify(tampered)
    assert verifier.checks == 2


async def test_a_different_token_for_the_same_person_is_verified_on_its_own() -> None:
    verifier = CountingVerifier()
    await verifier.verify(a_token(ttl_seconds=3600))
    await verifier.verify(a_token(ttl_seconds=7200))
    assert verifier.checks == 2
