"""Static files of the demo site: tiny but valid JPEG and PNG images, a stylesheet and a script.

The images are 1×1 pixels built byte by byte (no imaging library): a baseline JPEG holding one
flat grey 8×8 block, and an RGB PNG. Each carries its name (JPEG comment, PNG ``tEXt`` chunk) so
different paths have different bytes and digests.
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["SCRIPT", "STYLESHEET", "tiny_jpeg", "tiny_png"]


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


# One Huffman table with a single 1-bit code ("0") for symbol 0: DC difference category 0 and,
# in the AC table, end-of-block. The scan is then the bits "0" (DC) "0" (EOB) padded with ones.
_HUFFMAN_ONE_SYMBOL = bytes([1] + [0] * 15) + b"\x00"


def tiny_jpeg(comment: str) -> bytes:
    """A valid 1×1 grey baseline JPEG whose COM segment holds ``comment``."""
    return b"".join(
        (
            b"\xff\xd8",  # SOI
            _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _jpeg_segment(0xFE, comment.encode("utf-8")),
            _jpeg_segment(0xDB, b"\x00" + bytes([1] * 64)),  # quantisation table 0, all ones
            _jpeg_segment(0xC0, bytes([8, 0, 1, 0, 1, 1, 1, 0x11, 0])),  # 1×1, one component
            _jpeg_segment(0xC4, b"\x00" + _HUFFMAN_ONE_SYMBOL),  # DC table 0
            _jpeg_segment(0xC4, b"\x10" + _HUFFMAN_ONE_SYMBOL),  # AC table 0
            _jpeg_segment(0xDA, bytes([1, 1, 0x00, 0, 63, 0])),  # SOS
            b"\x3f",  # entropy-coded data: 0 0 111111
            b"\xff\xd9",  # EOI
        )
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(comment: str, rgb: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    """A valid 1×1 RGB PNG with a ``tEXt`` comment."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"tEXt", b"Comment\x00" + comment.encode("latin-1", "replace")),
            _png_chunk(b"IDAT", pixels),
            _png_chunk(b"IEND", b""),
        )
    )


STYLESHEET = """\
body { font-family: Georgia, serif; margin: 0; color: #222; }
.site-header, .site-footer { background: #111; color: #eee; padding: 1rem; }
.site-header a, .site-footer a { color: #eee; }
.main-nav ul, .footer-col ul, .tag-cloud { list-style: none; padding: 0; }
.main-nav li { display: inline-block; margin-right: 1rem; }
.layout { display: grid; grid-template-columns: 3fr 1fr; gap: 2rem; padding: 1rem; }
.cookie-consent { position: fixed; bottom: 0; background: #ffd; padding: 1rem; }
.ad-slot { background: #eee; min-height: 90px; text-align: center; font-size: .7rem; }
.visually-hidden { position: absolute; clip: rect(0 0 0 0); }
.card-grid { display: grid; grid-template-columns: 1fr 1fr; gap: .5rem; }
"""

SCRIPT = """\
document.addEventListener("DOMContentLoaded", function () {
  var banner = document.getElementById("cookie-consent");
  if (!banner) { return; }
  banner.querySelector(".btn-accept").addEventListener("click", function () {
    banner.hidden = true;
  });
});
"""
