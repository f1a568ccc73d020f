"""G.711 (ITU-T G.711) μ-law and A-law in pure Python tables, for the relay's conference
mixer. `audioop` is deprecated (PEP 594) and gone in Python 3.13, so nothing here uses it.

Decoding is a 256-entry table per law; encoding a table on the top bits of the 16-bit
sample (14 bits for μ-law, 13 for A-law: what each law keeps), built once."""

from __future__ import annotations

PCMU, PCMA = 0, 8  # the static RTP payload types (RFC 3551)
BIAS, CLIP = 0x84, 32635


def _ulaw_decode(byte: int) -> int:
    byte = ~byte & 0xFF
    sign, exponent, mantissa = byte & 0x80, (byte >> 4) & 0x07, byte & 0x0F
    sample = (((mantissa << 3) + BIAS) << exponent) - BIAS
    return -sample if sign else sample


def _ulaw_encode(sample: int) -> int:
    sign = 0x80 if sample < 0 else 0
    sample = min(abs(sample), CLIP) + BIAS
    exponent = max(sample.bit_length() - 8, 0)
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _alaw_decode(byte: int) -> int:
    byte ^= 0x55
    sign, exponent, mantissa = byte & 0x80, (byte >> 4) & 0x07, byte & 0x0F
    sample = (mantissa << 4) + 8
    if exponent:
        sample = (sample + 0x100) << (exponent - 1)
    return sample if sign else -sample


_A_SEGMENT_ENDS = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)


def _alaw_encode(shifted: int) -> int:
    """A-law of a sample already shifted to 13 bits (`sample >> 3`), as G.711's reference does."""
    if shifted >= 0:
        mask = 0xD5
    else:
        mask, shifted = 0x55, -shifted - 1
    segment = next((i for i, end in enumerate(_A_SEGMENT_ENDS) if shifted <= end), 8)
    if segment >= 8:
        return 0x7F ^ mask
    code = (segment << 4) | ((shifted >> 1) & 0x0F if segment < 2 else (shifted >> segment) & 0x0F)
    return code ^ mask


DECODE = {PCMU: [_ulaw_decode(b) for b in range(256)], PCMA: [_alaw_decode(b) for b in range(256)]}
# Indexed by the sample's top bits (offset so that negative samples index from 0).
_ULAW = [_ulaw_encode((i - 8192) << 2) for i in range(16384)]
_ALAW = [_alaw_encode(i - 4096) for i in range(8192)]


def decode(payload_type: int, payload: bytes) -> list[int]:
    table = DECODE[payload_type]
    return [table[b] for b in payload]


def encode(payload_type: int, samples: list[int]) -> bytes:
    if payload_type == PCMU:
        return bytes(_ULAW[(max(-32768, min(32767, s)) >> 2) + 8192] for s in samples)
    return bytes(_ALAW[(max(-32768, min(32767, s)) >> 3) + 4096] for s in samples)
