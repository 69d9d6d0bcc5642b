"""QR codes as 1-bit images for many addresses that differ only in their end (``https://site/verify/`` + a
16-letter code), in tens of microseconds each instead of segno's 2-10 ms of pure Python.

With the version, error level, mode (bytes) and mask fixed, a QR code's modules are an affine function over
GF(2) of the data bits: the data codewords are the bytes themselves (mode, length and padding are fixed),
Reed-Solomon error correction is linear (addition in GF(256) is XOR), interleaving and placement move bits,
and the mask and format information are constant. Drawing the modules as a packed 1-bit image (quiet zone,
``scale`` pixels a module, 1 for white) is affine too. So an image is ``base XOR (the XOR of the rows of
flips for the bits set in the end)``, where ``base`` is the image of the prefix followed by zero bytes and
row j of ``flips`` is what flipping bit j of the end changes. Both are taken from segno itself (one code per
bit of the end, once per prefix, length and scale), so the images are exactly segno's; tests compare them.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import segno

QUIET = 4  # modules of white border, as the standard asks
MASK = 1  # fixed: segno's choice of the best of 8 costs 20 ms a code, and any mask is valid


def picture(matrix, scale: int) -> np.ndarray:
    """A QR matrix (dark = 1) as packed 1-bit rows for a PDF DeviceGray image (1 is white), quiet zone
    included."""
    pixels = np.kron(np.pad(np.asarray(matrix, dtype=np.uint8), QUIET), np.ones((scale, scale), dtype=np.uint8))
    return np.packbits(1 - pixels, axis=1)


class AffineQr:
    """QR images of ``prefix`` + an end of ``length`` bytes, ``scale`` pixels a module."""

    def __init__(self, prefix: bytes, length: int, scale: int):
        probe = segno.make(prefix + b"0" * length, error="m", mode="byte", micro=False, mask=MASK)
        self.prefix, self.length, self.scale = prefix, length, scale
        self.options = {"version": probe.version, "error": probe.error, "mode": "byte", "micro": False,
                        "mask": MASK, "boost_error": False}
        base = self.reference(bytes(length))
        self.side = base.shape[0]  # pixels (rows; as many columns)
        self.base = base.ravel()
        flips = []
        for j in range(8 * length):
            end = bytearray(length)
            end[j // 8] = 0x80 >> (j % 8)
            flips.append(self.reference(bytes(end)).ravel() ^ self.base)
        self.flips = np.array(flips)  # a row per bit of the end

    def reference(self, end: bytes) -> np.ndarray:
        """segno's image of prefix + end."""
        return picture(segno.make(self.prefix + end, **self.options).matrix, self.scale)

    def image(self, end: bytes) -> bytes:
        bits = np.unpackbits(np.frombuffer(end, dtype=np.uint8)).astype(bool)
        return (self.base ^ np.bitwise_xor.reduce(self.flips[bits], axis=0)).tobytes()


@lru_cache(maxsize=8)
def _affine(prefix: bytes, length: int, scale: int) -> AffineQr:
    return AffineQr(prefix, length, scale)


def image(text: str, scale: int = 4, end_length: int = 16) -> tuple[int, bytes]:
    """The QR code of ``text`` as a 1-bit image: (side in pixels, packed rows, 1 is white). Fast when many texts
    share all but their last ``end_length`` bytes (made once per process for each such prefix)."""
    data = text.encode("utf-8")
    if len(data) <= end_length:
        rows = picture(segno.make(data, error="m", mode="byte", micro=False, mask=MASK).matrix, scale)
        return rows.shape[0], rows.tobytes()
    affine = _affine(data[:-end_length], end_length, scale)
    return affine.side, affine.image(data[-end_length:])
