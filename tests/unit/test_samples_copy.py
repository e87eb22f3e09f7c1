"""The bundled copy of the API samples is identical to the team's shared folder."""

import pytest

from ..samples import SAMPLES, SHARED_SAMPLES


@pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason=f"no shared folder at {SHARED_SAMPLES}")
def test_bundled_samples_match_shared() -> None:
    shared = {p.name: p.read_bytes() for p in SHARED_SAMPLES.iterdir() if p.is_file()}
    bundled = {p.name: p.read_bytes() for p in SAMPLES.iterdir() if p.is_file()}
    assert bundled == shared
