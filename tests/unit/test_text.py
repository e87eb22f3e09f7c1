"""The one sanitiser and the key redaction (oddsmon/text.py)."""

from __future__ import annotations

import json

import pytest

from oddsmon.text import clean, clean_json_text, redact


@pytest.mark.parametrize("raw, shown", [
    ("Arsenal", "Arsenal"),
    ("Olympique Lyonnais – Paris Saint-Germain", "Olympique Lyonnais – Paris Saint-Germain"),
    ("Al Ahly الأهلي 北京国安", "Al Ahly الأهلي 北京国安"),  # scripts people use stay
    ("Man\x1b]52;c;aGFja2Vk\x07 Utd", "Man Utd"),  # clipboard write, payload and all
    ("Man\x1b]52;c;aGFja2Vk", "Man"),  # unterminated: runs to the end, nothing shown
    ("Spurs\x1b[2J\x1b[H", "Spurs"),  # screen clear and cursor home
    ("Leeds\x1b]0;pwned\x1b\\", "Leeds"),  # window title, ST-terminated
    ("Chel\x9b31msea\x9d0;x\x9c", "Chelsea"),  # 8-bit CSI and OSC
    ("Ever\u202eton", "Everton"),  # right-to-left override
    ("a\u2066b\u2069c\u200fd", "abcd"),  # isolates and marks
    ("nul\x00bs\x08del\x7f", "nulbsdel"),
    ("line one\nline two\ttab", "line one line two tab"),
    ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),  # DCS (sixel graphics)
])
def test_clean_removes_whole_sequences_and_keeps_what_people_read(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_clean_multiline_keeps_line_breaks_only() -> None:
    assert clean("ODDSMON OK\r\nMode\tONLINE\x1b[31m\n", multiline=True) == "ODDSMON OK\nMode ONLINE\n"


def test_clean_json_text_cleans_every_string_and_leaves_a_clean_body_as_is() -> None:
    body = json.dumps({"response": [{"team": {"name": "Ars\x1b[2Jenal\u202e"}, "odd": "1.85"}],
                       "errors": {"k\x07": "v\x9b"}})
    cleaned = json.loads(clean_json_text(body))
    assert cleaned == {"response": [{"team": {"name": "Arsenal"}, "odd": "1.85"}], "errors": {"k": "v"}}
    plain = '{"response": [{"name": "Arsenal", "label": "Over 2.5"}]}'
    assert clean_json_text(plain) is plain


@pytest.mark.parametrize("form", [
    "{k}", "'{k}\\n# comment'", "{j}", "{u}", "{u_lower}", "\\x54\\x45ST-KEY-7f3a9c-xyz",
    "TEST\\u002dKEY-7f3a9c-xyz",
])
def test_redact_masks_the_key_in_every_form_a_message_quotes_it(form: str) -> None:
    key = "TEST-KEY-7f3a9c-xyz"
    text = form.format(k=key, j=json.dumps(key), u=key.replace("-", "%2D"),
                       u_lower=key.replace("-", "%2d"))
    masked = redact(f"header value {text} refused", key)
    assert "7f3a9c" not in masked and "********" in masked, masked
    assert redact("nothing secret here", key) == "nothing secret here"
