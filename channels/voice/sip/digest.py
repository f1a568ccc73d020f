"""Digest authentication of REGISTER (RFC 2617 / RFC 3261 §22, MD5, qop=auth or none).

The store keeps HA1 = MD5(username:realm:password), never the password: that is what a
digest registrar needs to check a response, and all it can keep (a slow password hash
cannot check a digest). HA1 is a password equivalent for this realm only: whoever reads the
store can register as the agent's phone, not log in to Backline. Nonces are an HMAC of their
issue time with a secret of this process, so any nonce we gave out is checked without
remembering it, and expires after `NONCE_TTL` seconds."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

NONCE_TTL = 300


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 - the digest scheme's hash


def ha1(username: str, realm: str, password: str) -> str:
    return md5(f"{username}:{realm}:{password}")


class Nonces:
    def __init__(self, now=time.time) -> None:
        self._secret = secrets.token_bytes(16)
        self._now = now

    def issue(self) -> str:
        stamp = f"{int(self._now()):x}"
        return f"{stamp}.{self._sign(stamp)}"

    def valid(self, nonce: str) -> bool:
        stamp, _, signature = nonce.partition(".")
        try:
            issued = int(stamp, 16)
        except ValueError:
            return False
        return (hmac.compare_digest(signature, self._sign(stamp))
                and 0 <= self._now() - issued <= NONCE_TTL)

    def _sign(self, stamp: str) -> str:
        return hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:24]


def challenge(realm: str, nonce: str) -> str:
    return f'Digest realm="{realm}", nonce="{nonce}", algorithm=MD5, qop="auth"'


def parse_authorization(value: str) -> dict[str, str]:
    """`Digest username="marie", realm="backline", …` → its fields (quoted or not)."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        return {}
    fields: dict[str, str] = {}
    key, buf, quoted, in_value = "", "", False, False
    for ch in rest + ",":
        if in_value:
            if ch == '"':
                quoted = not quoted
            elif ch == "," and not quoted:
                fields[key.strip().lower()] = buf.strip().strip('"')
                key, buf, in_value = "", "", False
            else:
                buf += ch
        elif ch == "=":
            in_value = True
        elif ch != ",":
            key += ch
    return fields


def verify(fields: dict[str, str], method: str, stored_ha1: str) -> bool:
    """Whether the response in `fields` was made with the password behind `stored_ha1`."""
    uri, nonce, response = fields.get("uri", ""), fields.get("nonce", ""), fields.get("response", "")
    ha2 = md5(f"{method}:{uri}")
    if fields.get("qop", "").lower() == "auth":
        expected = md5(f"{stored_ha1}:{nonce}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:auth:{ha2}")
    else:
        expected = md5(f"{stored_ha1}:{nonce}:{ha2}")
    return hmac.compare_digest(expected, response.lower())


def authorization(username: str, realm: str, password: str, method: str, uri: str, nonce: str,
                  cnonce: str = "0a4f113b", nc: str = "00000001") -> str:
    """What a phone sends back (for the test user agents and the benchmark)."""
    ha2 = md5(f"{method}:{uri}")
    response = md5(f"{ha1(username, realm, password)}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
    return (f'Digest username="{username}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{response}", algorithm=MD5, qop=auth, nc={nc}, cnonce="{cnonce}"')
