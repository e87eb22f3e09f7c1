"""``--check -t SECONDS`` against a provider that never answers: a loopback socket that takes
connections and says nothing. Past the timeout the verdict is UNKNOWN, on standard output,
saying so; the api's own timeouts (10 s here) are never waited for."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oddsmon import cli
from oddsmon.config import Settings
from oddsmon.store import Store


@pytest.fixture
def silent_peer() -> Iterator[str]:
    """A listening socket nobody accepts from: connects succeed, no byte ever comes back."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def config(tmp_path: Path, settings: Settings, store: Store, silent_peer: str,
           monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("APISPORTS_KEY", "a-key-for-the-silent-peer")
    path = tmp_path / "oddsmon.toml"
    path.write_text(f'[api]\nbase_url = "{silent_peer}"\ntimeout_s = 10.0\nretries = 0\n'
                    f'[paths]\ndb = "{settings.paths.db}"\nincidents = "{settings.paths.incidents}"\n'
                    f'metrics = "{settings.paths.metrics}"\n')
    return path


@pytest.mark.parametrize("as_json", [False, True])
def test_check_probe_gives_up_at_its_timeout(config: Path, as_json: bool,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    code = cli.main(["--config", str(config), "--check", "--probe", "-t", "0.3",
                     *(["--json"] if as_json else [])])
    took = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 3 and took < 5, (took, out)
    if as_json:
        status = json.loads(out)["status"]
        assert status == {"code": 3, "label": "UNKNOWN", "summary": "timed out after 0.3 s (-t)"}
    else:
        assert out == "ODDSMON UNKNOWN - timed out after 0.3 s (-t)\n"


def test_a_check_within_its_timeout_is_unchanged(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--config", str(config), "--check", "-t", "30"]) == 0
    assert capsys.readouterr().out.startswith("ODDSMON OK - online")
    # The timer is gone with the check: nothing fires later in this process.
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
