"""The QR code of a verification address, as inline SVG (segno; no image file, no script)."""

from __future__ import annotations

import io

import segno

__all__ = ["qr_svg"]


def qr_svg(url: str) -> str:
    """An SVG QR code (error correction M, 4 px a module) that a phone's camera opens as `url`.

    The same address always gives the same SVG, so a test can regenerate it from the address
    printed beside it and compare.
    """
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=4,
        border=4,
        title=None,
        svgclass="qr",
        lineclass="qr__modules",
    )
    return buffer.getvalue().decode("utf-8")
