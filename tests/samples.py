"""The provider's documented response bodies, copied byte for byte from shared/api-samples so
the suite is self-contained (tests/unit/test_samples_copy.py keeps the copy honest)."""

from pathlib import Path

SAMPLES = Path(__file__).parent / "data" / "api-samples"
SHARED_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "api-samples"
