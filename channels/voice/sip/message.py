"""SIP messages (RFC 3261 §7): parsing what arrives on a socket, building what goes out.

Parsing is strict where a mistake would mislead us (start line, Content-Length, CSeq) and
lenient elsewhere; anything it cannot read raises `Malformed`, which the transport answers
with 400 when it can, or drops. Header names are case-insensitive and compact forms (`v`,
`f`, `t`, `i`, `m`, `l`, `c`, `k`, `s`) are expanded; parameters such as `transport=UDP`
are compared case-insensitively (the bug sippy has with upper-case transports)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

MAX_MESSAGE = 65_535
COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type", "k": "supported", "s": "subject"}
# How headers are spelt when we write them.
CANONICAL = {"via": "Via", "from": "From", "to": "To", "call-id": "Call-ID", "cseq": "CSeq",
             "contact": "Contact", "content-length": "Content-Length", "content-type": "Content-Type",
             "max-forwards": "Max-Forwards", "www-authenticate": "WWW-Authenticate",
             "authorization": "Authorization", "expires": "Expires", "user-agent": "User-Agent",
             "allow": "Allow", "call-info": "Call-Info", "server": "Server"}
REASONS = {100: "Trying", 180: "Ringing", 200: "OK", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
           415: "Unsupported Media Type", 480: "Temporarily Unavailable",
           481: "Call/Transaction Does Not Exist", 486: "Busy Here", 487: "Request Terminated",
           488: "Not Acceptable Here", 491: "Request Pending", 500: "Server Internal Error",
           501: "Not Implemented", 503: "Service Unavailable", 603: "Decline"}
_START_REQUEST = re.compile(r"^([A-Z]{2,16}) (\S{1,1000}) SIP/2\.0$")
_START_RESPONSE = re.compile(r"^SIP/2\.0 ([1-6]\d\d) ?(.{0,200})$")
_URI_IN = re.compile(r"<([^>]*)>")


class Malformed(ValueError):
    """Not a SIP message we can read."""


@dataclass
class Message:
    method: str | None = None  # a request's method; None for a response
    uri: str = ""
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)  # (lower-case name, value)
    body: bytes = b""

    @property
    def is_request(self) -> bool:
        return self.method is not None

    def get(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return default

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key == name]

    def set(self, name: str, value: str) -> None:
        name = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k != name]
        self.headers.append((name, value))

    # -- the headers every message has ---------------------------------------------------

    @property
    def call_id(self) -> str:
        return self.get("call-id") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        number, _, method = (self.get("cseq") or "").partition(" ")
        return int(number), method.strip().upper()

    @property
    def branch(self) -> str:
        return param(self.get("via") or "", "branch") or ""

    @property
    def from_tag(self) -> str:
        return param(self.get("from") or "", "tag") or ""

    @property
    def to_tag(self) -> str:
        return param(self.get("to") or "", "tag") or ""

    @property
    def sdp(self) -> str:
        kind = (self.get("content-type") or "").split(";")[0].strip().lower()
        return self.body.decode("utf-8", "replace") if kind == "application/sdp" and self.body else ""

    def encode(self) -> bytes:
        start = (f"{self.method} {self.uri} SIP/2.0" if self.is_request
                 else f"SIP/2.0 {self.status} {self.reason or REASONS.get(self.status, 'Unknown')}")
        lines = [start]
        for name, value in self.headers:
            if name != "content-length":
                lines.append(f"{CANONICAL.get(name, name.title())}: {value}")
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body


def parse(data: bytes) -> Message:
    """One whole message (a datagram, or a frame cut by `frame_length`)."""
    if len(data) > MAX_MESSAGE:
        raise Malformed("message too large")
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
        if not sep:
            raise Malformed("no blank line after the headers")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("headers are not UTF-8") from None
    lines = text.replace("\r\n", "\n").split("\n")
    start = lines[0].strip()
    message = Message()
    if request := _START_REQUEST.match(start):
        message.method, message.uri = request.group(1), request.group(2)
    elif response := _START_RESPONSE.match(start):
        message.status, message.reason = int(response.group(1)), response.group(2)
    else:
        raise Malformed("bad start line")
    for line in lines[1:]:
        if not line.strip():
            continue
        if line[0] in " \t" and message.headers:  # a folded header goes on
            name, value = message.headers[-1]
            message.headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name or not re.fullmatch(r"[a-z0-9!%*_+`'~.\-]{1,64}", name):
            raise Malformed("bad header line")
        message.headers.append((COMPACT.get(name, name), value.strip()))
    if len(message.headers) > 100:
        raise Malformed("too many headers")
    for required in ("via", "from", "to", "call-id", "cseq"):
        if not message.get(required):
            raise Malformed(f"no {required} header")
    try:
        number, method = message.cseq
    except ValueError:
        raise Malformed("bad CSeq") from None
    if not 0 <= number < 2**31 or (message.is_request and method != message.method):
        raise Malformed("bad CSeq")
    length = message.get("content-length")
    if length is not None:
        if not length.isdigit() or int(length) > len(body):
            raise Malformed("bad Content-Length")
        body = body[:int(length)]
    message.body = body
    return message


def frame_length(buffer: bytes) -> int | None:
    """On a stream (TCP): the length of the first whole message in `buffer`, or None while
    more is needed. Raises Malformed for a stream that cannot be framed."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > MAX_MESSAGE:
            raise Malformed("headers too long")
        return None
    length = 0
    for line in buffer[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"content-length", b"l"):
            if not value.strip().isdigit():
                raise Malformed("bad Content-Length")
            length = int(value.strip())
    if length > MAX_MESSAGE:
        raise Malformed("body too large")
    total = end + 4 + length
    return total if len(buffer) >= total else None


# -- header values -----------------------------------------------------------------------

def param(value: str, name: str) -> str | None:
    """A `;name=value` parameter of a header value (outside its <URI>), case-insensitively."""
    rest = value[value.index(">") + 1:] if ">" in value else value
    for part in rest.split(";")[1:]:
        key, _, val = part.partition("=")
        if key.strip().lower() == name:
            return val.strip().strip('"')
    return None


def uri_of(value: str) -> str:
    """The URI in a From/To/Contact value: `"Marie" <sip:marie@h:5062;transport=udp>;tag=1`."""
    inside = _URI_IN.search(value)
    return (inside.group(1) if inside else value.split(";")[0]).strip()


def user_of(uri: str) -> str:
    """`sip:5100@host` → `5100`."""
    uri = uri.split(":", 1)[1] if ":" in uri else uri
    return uri.split("@")[0].split(";")[0] if "@" in uri else ""


def host_port(uri: str, default_port: int = 5060) -> tuple[str, int]:
    """Where a SIP URI says to send: its host and port (`transport=` of any case is UDP or
    TCP alike here: the caller picks the socket)."""
    rest = uri.split(":", 1)[1] if uri.lower().startswith(("sip:", "sips:")) else uri
    rest = rest.split(";")[0].split("?")[0]
    rest = rest.rsplit("@", 1)[-1]
    if rest.startswith("["):
        host, _, port = rest[1:].partition("]")
        port = port.lstrip(":")
    else:
        host, _, port = rest.partition(":")
    if not host:
        raise Malformed("URI without a host")
    try:
        number = int(port) if port else default_port
    except ValueError:
        raise Malformed("bad port") from None
    if not 0 < number < 65536:
        raise Malformed("bad port")
    return host, number


def transport_of(uri: str) -> str:
    for part in uri.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "transport":
            return value.strip().lower()
    return "udp"


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)


def response_to(request: Message, status: int, reason: str = "", to_tag: str | None = None,
                body: bytes = b"", content_type: str = "") -> Message:
    """A response carrying the request's Via, From, To (with our tag), Call-ID and CSeq."""
    headers = [(k, v) for k, v in request.headers if k in ("via", "from", "call-id", "cseq")]
    to = request.get("to") or ""
    if to_tag and param(to, "tag") is None:
        to = f"{to};tag={to_tag}"
    headers.insert(2, ("to", to))
    response = Message(status=status, reason=reason or REASONS.get(status, ""), headers=headers, body=body)
    if content_type:
        response.set("content-type", content_type)
    return response
