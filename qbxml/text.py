"""Text rules QuickBooks imposes: Latin-1 only (transliterate where faithful, else refuse) and maxLength."""

from __future__ import annotations

import re

from unidecode import UnidecodeError, unidecode

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed anywhere in XML 1.0


class QbxmlFieldError(ValueError):
    """A value cannot be written to QuickBooks; names the field path and the reason."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def to_latin1(value: str, path: str) -> str:
    """Return `value` in Latin-1: unchanged when it already is, else each foreign character transliterated.

    A character without a faithful ASCII form (CJK, Cyrillic words turn into guesses; emoji and symbols into
    nothing) is refused with an error naming the field instead of writing '?' into the books.
    """
    bad = _XML_ILLEGAL.search(value)
    if bad:
        raise QbxmlFieldError(path, f"control character U+{ord(bad.group()):04X} cannot be written in XML")
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        pass
    out = []
    for ch in value:
        if ord(ch) < 256:
            out.append(ch)
            continue
        ascii_form = _ascii(ch) if _faithful(ch) else ""
        if not ascii_form:
            raise QbxmlFieldError(path, f"character {ch!r} (U+{ord(ch):04X}) has no Latin-1 form")
        out.append(ascii_form)
    return "".join(out)


def _ascii(ch: str) -> str:
    try:
        return unidecode(ch, errors="strict")
    except UnidecodeError:  # no replacement known (e.g. U+0241): refused like any unfaithful character
        return ""


def _faithful(ch: str) -> bool:
    """Latin letters with diacritics, typographic punctuation and a few symbols transliterate faithfully."""
    code = ord(ch)
    return (
        0x0100 <= code <= 0x024F  # Latin Extended-A/B: Ł, ő, ș ...
        or 0x1E00 <= code <= 0x1EFF  # Latin Extended Additional: ạ, ỹ ...
        or 0x2010 <= code <= 0x2027  # dashes, curly quotes, bullets, ellipsis
        or code in (0x20AC, 0x2122, 0x00A0, 0x2030, 0x2039, 0x203A)  # €, ™, nbsp, ‰, ‹ ›
    )


def check_length(value: str, max_length: int | None, path: str) -> str:
    if max_length is not None and len(value) > max_length:
        raise QbxmlFieldError(path, f"{len(value)} characters, at most {max_length} allowed")
    return value
