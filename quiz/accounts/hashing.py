"""Password hashes in Werkzeug's format (``scrypt:32768:8:1$salt$hex``), made with the standard library.

The format is Werkzeug's own (what this app always stored, and what ``werkzeug.security`` reads), so hashes
made before and after are interchangeable; the domain just does not import Werkzeug for it. scrypt with
n=2^15, r=8, p=1 (about 67 ms of CPU here); ``pbkdf2:sha256:N`` hashes are still checked.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import string

SALT_CHARS = string.ascii_letters + string.digits
SALT_LENGTH = 16
N, R, P = 2 ** 15, 8, 1


def _derive(method: str, salt: str, password: str) -> str:
    kind, *args = method.split(":")
    if kind == "scrypt":
        n, r, p = map(int, args) if args else (N, R, P)
        return hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p).hex()
    if kind == "pbkdf2":
        name = args[0] if args else "sha256"
        rounds = int(args[1]) if len(args) > 1 else 1_000_000
        return hashlib.pbkdf2_hmac(name, password.encode(), salt.encode(), rounds).hex()
    raise ValueError(f"unknown password hash method {kind!r}")


def hash_password(password: str) -> str:
    salt = "".join(secrets.choice(SALT_CHARS) for _ in range(SALT_LENGTH))
    method = f"scrypt:{N}:{R}:{P}"
    return f"{method}${salt}${_derive(method, salt, password)}"


def check_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash (always False for a malformed one)."""
    try:
        method, salt, value = stored.split("$", 2)
        return hmac.compare_digest(_derive(method, salt, password), value)
    except ValueError:
        return False
