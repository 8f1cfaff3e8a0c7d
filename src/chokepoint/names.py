"""Safe names: a file name from any user text (a slug), never a path."""
from __future__ import annotations

import re
import unicodedata

MAX_SLUG = 80
_UNSAFE = re.compile(r"[^a-z0-9._-]+")


def slug(text: str, fallback: str = "run") -> str:
    """`text` as a file-name stem: lower-case ASCII letters, digits, '.', '_' and '-' only.

    Separators, '..' and leading dots go, so a scenario named '../../x' or '/etc/x' writes
    'x' inside the output folder, not outside it.
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    out = _UNSAFE.sub("-", ascii_text.lower())
    out = re.sub(r"\.{2,}", ".", out)
    out = re.sub(r"-{2,}", "-", out).strip(".-_")
    return out[:MAX_SLUG].rstrip(".-_") or fallback
