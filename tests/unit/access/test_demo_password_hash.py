"""The demo users' stored hash is computed once and kept in demo.py (docs/architecture.md, "Start-up: the demo's
published password hashed once"): it must verify the published password, refuse others, and carry the
parameters every other hash gets, so it is no weaker than a hash made at seeding."""

from argon2 import PasswordHasher

from subplane.adapters.passwords import verify_secret
from subplane.demo import DEMO_PASSWORD, DEMO_PASSWORD_HASH


def test_the_kept_hash_verifies_the_published_password_only():
    assert verify_secret(DEMO_PASSWORD_HASH, DEMO_PASSWORD)
    assert not verify_secret(DEMO_PASSWORD_HASH, DEMO_PASSWORD + "x")


def test_the_kept_hash_has_the_current_parameters():
    assert not PasswordHasher().check_needs_rehash(DEMO_PASSWORD_HASH)
