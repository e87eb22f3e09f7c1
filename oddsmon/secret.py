"""The API key as a value that cannot leak, and every key this process has read.

A key rotated in its file while the TUI or the collector runs is read again before the next
probe. Whoever set up their redaction with the first key (the log, the app's notifications,
the alerts) must mask the new one too, and the old one stays masked: so every key read is
remembered here, where :func:`oddsmon.text.redact` finds it, and no holder can miss a rotation.
"""

from __future__ import annotations

# Shorter values are not keys (an empty or placeholder value): masking them would garble text.
MIN_KEY_LENGTH = 6

_seen: set[str] = set()


class Secret:
    """An API key that cannot leak through ``str``, ``repr``, f-strings or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        if len(value) >= MIN_KEY_LENGTH:
            _seen.add(value)  # masked everywhere from now on, even by who read an older key

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def keys_seen() -> frozenset[str]:
    """Every key this process has read, to be masked wherever text leaves it."""
    return frozenset(_seen)
