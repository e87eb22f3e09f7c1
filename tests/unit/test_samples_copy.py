"""The bundled copy of the API samples (tests/data/api-samples) is the provider's bodies, byte for
byte: a clone checks it against the digests recorded beside it, and a checkout next to the team's
shared folder also against that folder."""

import hashlib
import json

import pytest

from ..samples import SAMPLES, SHARED_SAMPLES

# sha256sum's output for the copy, written when it was taken from shared/api-samples.
DIGESTS = SAMPLES.with_name(SAMPLES.name + ".sha256")


def _bundled() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in SAMPLES.iterdir() if p.is_file()}


def test_bundled_samples_are_the_recorded_bytes_and_nothing_else() -> None:
    # sha256sum's lines: "<digest>  <name>".
    recorded = {name: digest for digest, name in (line.split("  ", 1) for line in DIGESTS.read_text().splitlines())}
    bundled = {name: hashlib.sha256(body).hexdigest() for name, body in _bundled().items()}
    # A sample edited, added or lost since the copy was taken fails here, with its name.
    assert bundled == recorded


def test_every_bundled_sample_is_a_provider_envelope() -> None:
    """What the parsers' tests rely on: each body is JSON in the v3 envelope, ``errors`` empty."""
    names = [name for name in _bundled() if name.endswith(".json")]
    assert len(names) >= 12
    for name in names:
        doc = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
        assert {"get", "parameters", "errors", "results", "response"} <= set(doc), name
        assert doc["errors"] == [], name
        assert doc["get"] == name.split("__", 1)[0].replace("_", "/"), name


@pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason=f"no shared folder at {SHARED_SAMPLES}")
def test_bundled_samples_match_shared() -> None:
    shared = {p.name: p.read_bytes() for p in SHARED_SAMPLES.iterdir() if p.is_file()}
    assert _bundled() == shared
