"""SDP (RFC 4566) as far as a signalling-only back-to-back agent needs it: the switch hands
one phone's session description to the other (so the media flows phone to phone), changing
only the direction (hold: `sendonly` / `inactive`, RFC 3264 §8.4) and its own origin line."""

from __future__ import annotations

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")


def direction(sdp: str) -> str:
    """The session's direction: the first media's attribute, else the session's, else sendrecv."""
    found = "sendrecv"
    in_media = False
    for line in sdp.splitlines():
        if line.startswith("m="):
            if in_media:
                break
            in_media = True
        elif line[2:] in DIRECTIONS and line.startswith("a="):
            found = line[2:]
            if in_media:
                break
    return found


def connection(sdp: str) -> tuple[str, int] | None:
    """Where the first audio stream is to be sent: (c= address, m= port)."""
    address, port = None, None
    for line in sdp.splitlines():
        if line.startswith("c=IN IP4 ") or line.startswith("c=IN IP6 "):
            address = address or line.split()[2]
        elif line.startswith("m=audio ") and port is None:
            port = int(line.split()[1])
    return (address, port) if address and port is not None else None


def rewrite(sdp: str, new_direction: str, session_id: int, version: int) -> str:
    """`sdp` with one direction for every stream and the switch's origin line (a new version
    each time the session changes, as RFC 3264 §8 asks of a re-offer)."""
    lines = []
    for line in sdp.replace("\r\n", "\n").split("\n"):
        if not line:
            continue
        if line.startswith("a=") and line[2:] in DIRECTIONS:
            continue
        if line.startswith("o="):
            line = f"o=backline {session_id} {version} IN IP4 {_origin_address(line)}"
        lines.append(line)
        if line.startswith("m="):
            lines.append(f"a={new_direction}")
    if not any(line.startswith("m=") for line in lines):
        lines.append(f"a={new_direction}")
    return "\r\n".join(lines) + "\r\n"


def answer_direction(offered: str) -> str:
    """The direction an answer takes to an offer (RFC 3264 §6.1)."""
    return {"sendonly": "recvonly", "recvonly": "sendonly", "inactive": "inactive"}.get(offered, "sendrecv")


def placeholder(address: str, session_id: int) -> str:
    """What the switch offers when it has no phone's SDP to hand on yet: no media (port 0)."""
    return (f"v=0\r\no=backline {session_id} 1 IN IP4 {address}\r\ns=Backline\r\nc=IN IP4 {address}\r\n"
            "t=0 0\r\nm=audio 0 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=inactive\r\n")


def _origin_address(line: str) -> str:
    parts = line.split()
    return parts[-1] if len(parts) >= 6 else "0.0.0.0"


def telephone_event(sdp: str) -> int | None:
    """The payload type the phone gave RFC 4733 events (`a=rtpmap:<pt> telephone-event/8000`)
    on its first audio stream, or None: it does not take DTMF in the media."""
    in_audio = False
    for line in sdp.splitlines():
        if line.startswith("m="):
            if in_audio:
                break
            in_audio = line.startswith("m=audio ")
        elif in_audio and line.lower().startswith("a=rtpmap:"):
            number, _, encoding = line[9:].partition(" ")
            if encoding.lower().startswith("telephone-event/8000") and number.strip().isdigit():
                return int(number)
    return None


def relayed(sdp: str, address: str, port: int) -> str:
    """`sdp` pointing at the relay: every connection line to `address`, the audio stream to
    `port` (RTCP on port + 1, so a phone's own `a=rtcp:` line is dropped, and its ICE
    candidates too: they would lead the other phone around the relay)."""
    lines = []
    for line in sdp.replace("\r\n", "\n").split("\n"):
        if not line:
            continue
        if line.startswith("c=IN IP4 ") or line.startswith("c=IN IP6 "):
            line = f"c=IN IP{'6' if ':' in address else '4'} {address}"
        elif line.startswith("m=audio "):
            parts = line.split(" ")
            if parts[1] != "0":  # a stream refused or inactive stays so
                parts[1] = str(port)
            line = " ".join(parts)
        elif line.startswith(("a=rtcp:", "a=candidate", "a=ice-", "a=end-of-candidates", "a=remote-candidates")):
            continue
        lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def payload_types(sdp: str) -> list[int]:
    """The payload types of the first audio stream, in the phone's order of preference."""
    for line in sdp.splitlines():
        if line.startswith("m=audio "):
            return [int(p) for p in line.split()[3:] if p.isdigit()]
    return []


def mixer(address: str, port: int, session_id: int, version: int) -> str:
    """What the switch offers a phone it mixes in a conference: G.711 either law, and
    telephone events, on its leg's relay port."""
    return (f"v=0\r\no=backline {session_id} {version} IN IP4 {address}\r\ns=Backline\r\n"
            f"c=IN IP4 {address}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n"
            "a=sendrecv\r\n")
