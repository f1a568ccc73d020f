"""Password hashing with argon2 (argon2-cffi's recommended parameters).

A hash carries its own parameters, so a check costs what the stored hash was made with.
Tests and demo templates may hash with cheaper parameters (`use_parameters`); production
keeps argon2-cffi's defaults.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_DECOY_HASH = _hasher.hash("decoy password, never matches")


def use_parameters(**parameters) -> None:
    """Hash new passwords with these argon2 parameters (`time_cost`, `memory_cost`, …)."""
    global _hasher, _DECOY_HASH
    _hasher = PasswordHasher(**parameters)
    # Verified against when the username is unknown, so that a wrong username costs the same
    # time as a wrong password and does not reveal which usernames exist.
    _DECOY_HASH = _hasher.hash("decoy password, never matches")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DECOY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
