"""Text: decoding HTML bytes the way Scrapy does, and cleaning up extracted text.

:func:`decode_html` gives the same string as Scrapy's ``TextResponse.text`` for the same bytes and
``Content-Type`` header (BOM, then header charset, then ``<meta charset>``, then detection), so
re-extraction from a WARC record sees what the crawl saw. The clean-up helpers normalise to NFC,
collapse whitespace and drop debris that text converters leave behind (``![]()``, a trailing ``|``).
"""

from __future__ import annotations

import re
import unicodedata

from w3lib.encoding import html_to_unicode, resolve_encoding

__all__ = [
    "clean_text",
    "decode_html",
    "normalize_space",
    "strip_title_suffix",
    "unspaced_chars",
    "word_count",
]

# Scrapy tries ASCII and UTF-8 before guessing; we end with cp1252 (what browsers assume for
# unlabelled Western pages) instead of calling charset-normalizer, which is not our dependency.
_AUTO_ENCODINGS = ("ascii", "utf-8", "cp1252")

_SPACE = re.compile(r"\s+")
# Markdown-ish image markup with no target, as left by naive converters: "![]()", "![alt]( )".
_EMPTY_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*\)")
# Separators left dangling at either end of a line: "text |", "| text", "text •".
_EDGE_SEPARATORS_END = re.compile(r"(?:\s*[|•·¦])+\s*$")
_EDGE_SEPARATORS_START = re.compile(r"^\s*(?:[|•·¦]\s*)+")
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", " › ")
# Separators after which a known site name ends the headline ("Headline : Blog | Slogan | …").
_SITE_CUT_SEPARATORS = (*_TITLE_SEPARATORS, " : ")
_MIN_HEADLINE_WORDS = 2
_WORD = re.compile(r"\w+")
# Scripts written without spaces between words (Han, kana, Hangul syllables, Thai): a character
# there carries about what two letters of an alphabet do.
_UNSPACED = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\u3040-\u30ff\u0e00-\u0e7f]")
_SITE_PART_WORDS = 4
_MIN_SITE_LABEL = 4


def _auto_detect(body: bytes) -> str | None:
    for encoding in _AUTO_ENCODINGS:
        try:
            body.decode(encoding)
        except UnicodeError:
            continue
        return resolve_encoding(encoding)
    return None


def decode_html(body: bytes, content_type: str | None) -> str:
    """Decode an HTTP body as Scrapy's ``TextResponse`` would, given the Content-Type header."""
    return decode_html_counted(body, content_type)[0]


def decode_html_counted(body: bytes, content_type: str | None) -> tuple[str, int]:
    """:func:`decode_html`, and how many U+FFFD the decoding put in (:func:`replacements`)."""
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_auto_detect)
    return str(text), replacements(body, str(text), encoding)


#: Flag of the items of a page whose decoding replaced bytes with U+FFFD (:func:`replacements`).
FLAG_UNDECODABLE = "undecodable_bytes"
_REPLACEMENT = "\ufffd"


def replacements(body: bytes, text: str, encoding: str | None) -> int:
    """How many U+FFFD replacement characters decoding ``body`` as ``encoding`` gave ``text``
    for bytes that encoding cannot decode (a charset that lies, broken sequences).

    U+FFFD the page itself holds (encoded properly) are not counted: they are what decoding the
    body with the undecodable bytes dropped still gives. ``text`` is the body decoded with
    replacement, as Scrapy's ``TextResponse.text`` and :func:`decode_html` are.
    """
    if _REPLACEMENT not in text:
        return 0
    try:
        genuine = body.decode(encoding or "utf-8", "ignore").count(_REPLACEMENT)
    except LookupError:  # a name w3lib resolved but Python's codecs do not know: count them all
        genuine = 0
    return max(0, text.count(_REPLACEMENT) - genuine)


def normalize_space(text: str) -> str:
    """NFC-normalise and collapse every run of whitespace (including NBSP) into one space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def clean_text(text: str) -> str:
    """:func:`normalize_space` plus removal of empty image markup and dangling separators."""
    text = _EMPTY_IMAGE.sub(" ", text)
    text = normalize_space(text)
    text = _EDGE_SEPARATORS_END.sub("", text)
    return _EDGE_SEPARATORS_START.sub("", text)


def _squash(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _names_site(part: str, names: list[str], host: str) -> bool:
    """Whether a short title part names the site: a known site name, or the host's name."""
    if part.strip().casefold() in names:
        return True
    squashed = _squash(part)
    if not squashed or len(part.split()) > _SITE_PART_WORDS:
        return False
    labels = [label for label in host.casefold().removeprefix("www.").split(".") if label]
    site = labels[-2] if len(labels) >= 2 else (labels[0] if labels else "")
    whole = _squash(host.removeprefix("www."))
    return (
        bool(site)
        and len(site) >= _MIN_SITE_LABEL
        and (
            squashed in {whole, site}
            or squashed.startswith(site)
            or (len(squashed) >= _MIN_SITE_LABEL and site.startswith(squashed))
        )
    )


def strip_title_suffix(
    title: str, site_names: list[str] | tuple[str, ...] = (), host: str = "", *, guess: bool = True
) -> str:
    """Remove a " | Site name" (or " - Site") suffix or prefix from a page title.

    A part that is a known site name, or that spells the page's host name ("selbst.de",
    "ZEIT ONLINE" on zeit.de), is removed wherever it sits; without one, only a short last part
    after a separator is dropped when the part before it is clearly the headline (unless
    ``guess`` is false).
    """
    title = clean_text(title)
    lowered_names = [name.casefold() for name in site_names if name]
    folded = title.casefold()
    for name in lowered_names:
        if len(name) < _MIN_SITE_LABEL or name not in folded:
            continue
        for sep in _SITE_CUT_SEPARATORS:
            # The site's name after the headline, followed by more of the site's furniture.
            at = folded.find(f"{sep}{name}")
            rest = folded[at + len(sep) + len(name) :]
            if (
                at > 0
                and rest.startswith(_SITE_CUT_SEPARATORS)
                and len(title[:at].split()) >= _MIN_HEADLINE_WORDS
            ):
                return strip_title_suffix(title[:at], site_names, host, guess=guess)
    for sep in _TITLE_SEPARATORS:
        if sep not in title:
            continue
        parts = title.split(sep)
        kept = [p for p in parts if not _names_site(p, lowered_names, host)]
        if kept and len(kept) < len(parts):
            return strip_title_suffix(sep.join(kept).strip(), site_names, host, guess=guess)
        if not guess:
            continue
        head, _, tail = title.rpartition(sep)
        if len(tail.split()) <= 4 and len(head.split()) >= 3 and len(tail) < len(head):
            return head.strip()
    return title


def unspaced_chars(text: str) -> int:
    """Number of characters of ``text`` in scripts written without spaces (CJK, Thai), where
    ``\\w+`` sees a whole sentence as one word."""
    return len(_UNSPACED.findall(text))


def word_count(text: str) -> int:
    """Number of ``\\w+`` words in ``text``."""
    return len(_WORD.findall(text))
