"""``VerifiedSecrets``: what the token endpoint remembers of the client secrets argon2 accepted (issue 14)."""

from __future__ import annotations

from subplane.adapters.passwords import VerifiedSecrets, hash_secret

STORED = hash_secret("s3cret")


def test_only_a_verified_secret_is_known_and_only_with_the_hash_it_was_verified_against():
    memory = VerifiedSecrets()
    assert not memory.known("client", "s3cret", STORED)
    assert not memory.verify("client", STORED, "wrong")
    assert not memory.known("client", "wrong", STORED)  # a refusal is never remembered
    assert memory.verify("client", STORED, "s3cret")
    assert memory.known("client", "s3cret", STORED)
    assert not memory.known("client", "s3cret", hash_secret("s3cret"))  # a new stored hash: verified again
    assert not memory.known("other", "s3cret", STORED)
    assert not memory.known("client", "s3cret2", STORED)


def test_the_parts_cannot_be_shifted_into_each_other():
    memory = VerifiedSecrets(key=b"k" * 32)
    stored = hash_secret("bc")
    assert memory.verify("a", stored, "bc")
    assert not memory.known("ab", "c", stored)


def test_another_process_key_knows_nothing():
    stored = hash_secret("s3cret")
    first = VerifiedSecrets()
    assert first.verify("client", stored, "s3cret")
    assert not VerifiedSecrets().known("client", "s3cret", stored)


def test_the_least_recently_used_entry_leaves_first_at_the_limit():
    memory = VerifiedSecrets(limit=2)
    hashes = {name: hash_secret(name) for name in ("a", "b", "c")}
    assert memory.verify("a", hashes["a"], "a") and memory.verify("b", hashes["b"], "b")
    assert memory.known("a", "a", hashes["a"])  # a is now the most recently used
    assert memory.verify("c", hashes["c"], "c")
    assert memory.known("a", "a", hashes["a"]) and memory.known("c", "c", hashes["c"])
    assert not memory.known("b", "b", hashes["b"])
