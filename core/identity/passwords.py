"""Password and PIN hashing with argon2 (argon2-cffi's recommended parameters), in a small
pool of worker threads, never on the event loop (SEC4).

One check at the production parameters costs about a quarter of a second of CPU: on the
event loop, a stream of wrong passwords stalled every other request. argon2-cffi releases
the GIL while it hashes, so a thread keeps the loop free. The pool is bounded: each hash
holds its `memory_cost` (64 MiB by default) while it runs, and a flood of logins should
queue for a few threads rather than take the machine's memory (the login throttle, SEC4,
keeps that queue short).

A hash carries its own parameters, so a check costs what the stored hash was made with.
Tests and demo templates may hash with cheaper parameters (`use_parameters`); production
keeps argon2-cffi's defaults.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

T = TypeVar("T")

HASHING_THREADS = max(1, min(4, os.cpu_count() or 1))
HASHING_NICENESS = 10


def _lower_priority() -> None:
    """A hashing thread yields the CPU to the event loop's: one check at the production
    parameters runs four argon2 lanes (threads the C library starts, inheriting this
    thread's priority) and would otherwise take every core of a small machine for its
    quarter of a second, delaying everybody's requests (bench flood, wrong passwords).
    Linux gives each thread its own niceness; elsewhere this does nothing."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
    except (AttributeError, OSError):
        pass


_pool = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="backline-hashing",
                           initializer=_lower_priority)

_hasher = PasswordHasher()
_DECOY_HASH = _hasher.hash("decoy password, never matches")


def use_parameters(**parameters) -> None:
    """Hash new passwords with these argon2 parameters (`time_cost`, `memory_cost`, …)."""
    global _hasher, _DECOY_HASH
    _hasher = PasswordHasher(**parameters)
    # Verified against when the username is unknown, so that a wrong username costs the same
    # time as a wrong password and does not reveal which usernames exist.
    _DECOY_HASH = _hasher.hash("decoy password, never matches")


async def _off_the_loop(work: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(_pool, work, *args)


async def hash_password(password: str) -> str:
    return await _off_the_loop(_hasher.hash, password)


def _verify(hasher: PasswordHasher, password_hash: str | None, password: str) -> bool:
    try:
        return hasher.verify(password_hash or _DECOY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; without a hash (an unknown user) a decoy is checked, so
    that the answer takes as long either way."""
    return await _off_the_loop(_verify, _hasher, password_hash, password)
