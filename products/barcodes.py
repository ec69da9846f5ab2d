"""EAN-13 / EAN-8 rendered as inline SVG for the back office (no image files, no dependency)."""

from django.utils.html import format_html
from django.utils.safestring import mark_safe

_L = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011"]
_R = ["".join("1" if bit == "0" else "0" for bit in code) for code in _L]
_G = [code[::-1] for code in _R]
# Which of the six left digits use the G set, by the first digit of an EAN-13.
_PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]


def ean_modules(code: str) -> str:
    """The bar pattern ('1' = bar) of a valid EAN-13 or EAN-8."""
    digits = [int(c) for c in code]
    if len(digits) == 13:
        left = "".join((_G if p == "G" else _L)[d] for p, d in zip(_PARITY[digits[0]], digits[1:7], strict=True))
        right = "".join(_R[d] for d in digits[7:])
    elif len(digits) == 8:
        left = "".join(_L[d] for d in digits[:4])
        right = "".join(_R[d] for d in digits[4:])
    else:
        raise ValueError("EAN-8 or EAN-13 expected")
    return f"101{left}01010{right}101"


def ean_svg(code: str, module: int = 2, height: int = 60) -> str:
    modules = ean_modules(code)
    bars = "".join(
        f'<rect x="{(i + 10) * module}" y="0" width="{module}" height="{height}"/>'
        for i, bit in enumerate(modules)
        if bit == "1"
    )
    width = (len(modules) + 20) * module
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="{}">'
        '<rect width="100%" height="100%" fill="#fff"/><g fill="#000">{}</g>'
        '<text x="50%" y="{}" font-family="monospace" font-size="12" text-anchor="middle">{}</text></svg>',
        width,
        height + 16,
        code,
        mark_safe(bars),  # noqa: S308 - built above from digits only
        height + 13,
        code,
    )
