"""The one sanitiser for text that comes from outside (the API, the network, files, a person).

oddsmon runs in terminals over SSH: a team name holding ``ESC ] 52 ; c ; ... BEL`` would write
the analyst's clipboard, ``ESC [ 2 J`` would clear the screen, and U+202E would make a line
read backwards. Every string from outside passes through :func:`clean` at the boundary, before
it reaches a model, the store, the journal, an output or the screen:

- whole escape sequences are removed (CSI, OSC with its payload, DCS/SOS/PM/APC strings, the
  two-byte ESC forms, and their 8-bit C1 spellings), so no payload is left to be shown;
- the remaining C0 and C1 controls and DEL are removed; tab, CR and newline become a space
  (or stay newlines where ``multiline`` text is expected, like a whole command output);
- bidi embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069) and the marks
  U+200E, U+200F, U+061C are removed: they reorder what a person reads.

Nothing here imports anything heavy: headless commands use it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .secret import MIN_KEY_LENGTH, keys_seen

# The patterns are kept as text: re compiles each on first use and caches it, so a command
# whose text is all printable (most runs) never compiles them.
# An escape sequence, whole: OSC/DCS/SOS/PM/APC run to their terminator (BEL or ST) or to the
# end of the text; CSI to its final byte; any other ESC with the byte after it.
_SEQUENCE = (
    r"(?s)(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)"
    r"|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_CONTROLS = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + _BIDI + "]"
_LINE_BREAKS = r"\r\n|[\t\r\n]"


def clean(text: str, *, multiline: bool = False) -> str:
    """``text`` without escape sequences, controls or bidi overrides (see the module doc).

    ``multiline`` keeps newlines (a command's whole output); otherwise every line break and
    tab becomes a space, since a name or a message is one line.
    """
    # Escapes, controls and bidi marks are all unprintable: printable text (newlines aside,
    # where they stay) is returned as it is, the common case, at no cost.
    if (text.replace("\n", "") if multiline else text).isprintable():
        return text
    out = re.sub(_SEQUENCE, "", text)
    if multiline:
        out = out.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    else:
        out = re.sub(_LINE_BREAKS, " ", out)
    return re.sub(_CONTROLS, "", out)

# What a JSON text holds when one of its strings needs cleaning: a control escaped (\u0000-
# \u001f, \u007f-\u009f, \b, \f, \n, \r, \t), or a C1 or bidi character as is or escaped.
_JSON_SUSPECT = (
    r"\\(?:u00[01][0-9a-fA-F]|u007[fF]|u00[89][0-9a-fA-F]|u202[a-eA-E]|u206[6-9]|u200[eEfF]"
    r"|u061[cC]|[bfnrt])|[\x7f-\x9f" + _BIDI + "]")


def clean_json_text(text: str) -> str:
    """A JSON text whose every string (keys too) is :func:`clean`; unchanged, at the cost of
    one regex scan, when there is nothing to clean (the usual case for a big odds page)."""
    if not re.search(_JSON_SUSPECT, text):
        return text
    return json.dumps(_clean_tree(json.loads(text)), ensure_ascii=False, separators=(",", ":"))


def _clean_tree(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_clean_tree(v) for v in value]
    if isinstance(value, dict):
        return {clean(k): _clean_tree(v) for k, v in value.items()}
    return value


# No API-Football answer nests deeper than about ten levels (an odds page: envelope, response,
# fixture, bookmakers, bookmaker, bets, bet, values, value: nine). A JSON text nested deeper
# than this is refused before any parser sees it: json and msgspec recurse once per level and
# raise RecursionError (not a ValueError) near a thousand, and so would any code walking what
# they built.
MAX_JSON_DEPTH = 64
# Only brackets and quotes matter to the depth; an object's braces count as an array's.
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'[]{}"')


def json_too_deep(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``text`` (JSON, or anything claiming to be) opens more than ``limit`` arrays or
    objects inside one another. Measured with bytes operations, a fraction of a ``json.loads``:
    strings are dropped, then each pass removes the innermost pairs, one level per pass."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    if b"\\" in data:  # escapes first: an escaped quote neither opens nor ends a string
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Two quotes side by side can go (an empty string, or two strings run together): what
    # is left of strings is the few that hold a bracket.
    skeleton = data.translate(_BRACKETS, _NOT_STRUCTURE).replace(b'""', b"")
    skeleton = b"".join(skeleton.split(b'"')[::2])
    levels = 0
    while levels <= limit and b"[]" in skeleton:
        skeleton = skeleton.replace(b"[]", b"")
        levels += 1
    # What is left is unbalanced (not JSON): a parser would still have gone that deep into it.
    return levels + skeleton.count(b"[") > limit


def redact(text: str, secret: str | None) -> str:
    """Mask the API key in every form a message may quote it in: as is, or with any of its
    characters escaped the way ``repr``, JSON or a URL write them (``\\x2d``, ``\\u002d``,
    ``%2D``). Defence in depth: nothing should quote it in the first place. Every key this
    process has read is masked as well as ``secret`` (a rotated key, the one before it)."""
    for key in sorted(keys_seen() | ({secret} if secret and len(secret) >= MIN_KEY_LENGTH else set()), key=len,
                      reverse=True):  # the longest first: a key inside another is masked whole
        pattern = "".join(f"(?:{re.escape(ch)}|%{ord(ch):02x}|\\\\x{ord(ch):02x}|\\\\u{ord(ch):04x})"
                          for ch in key)
        text = re.sub(pattern, "********", text, flags=re.IGNORECASE)
    return text
