"""Config: lookup order, validation messages (file, line, key), key handling, --init-config."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from oddsmon import config
from oddsmon.config import KEY_DOCS, ConfigError, Settings, load, load_file

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "oddsmon.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_and_documents_every_key() -> None:
    example = REPO / "oddsmon.toml"
    settings = load_file(example)
    # Run from the checkout (./oddsmon.toml), oddsmon writes nothing into it: every file it
    # writes is under the XDG folders, as with no config at all.
    assert settings.paths == Settings().paths
    for path in (settings.paths.db, settings.paths.metrics, settings.paths.incidents):
        assert not path.resolve().is_relative_to(REPO.resolve()), path
    text = example.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    lines = text.splitlines()
    for section, keys in KEY_DOCS.items():
        for key in keys:
            # Every key appears (set, or commented out for an optional one) with a comment above.
            idx = next((i for i, line in enumerate(lines)
                        if line.lstrip("# ").startswith(f"{key} =")), None)
            assert idx is not None, f"{section}.{key} missing from the example"
            assert lines[idx - 1].lstrip().startswith("#"), f"{section}.{key} has no comment"
        assert section in data


def test_defaults_when_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ODDSMON_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    settings = load()
    assert settings.source is None
    assert settings.api.key_env == "APISPORTS_KEY"
    assert settings.paths.db == tmp_path / "state" / "oddsmon" / "oddsmon.db"


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xdg = tmp_path / "xdg" / "oddsmon"
    xdg.mkdir(parents=True)
    write(xdg, "[watch]\ndays_ahead = 1\n")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("ODDSMON_CONFIG", raising=False)
    assert load().watch.days_ahead == 1
    write(cwd, "[watch]\ndays_ahead = 2\n")
    assert load().watch.days_ahead == 2
    env_file = write(tmp_path, "[watch]\ndays_ahead = 3\n", "env.toml")
    monkeypatch.setenv("ODDSMON_CONFIG", str(env_file))
    assert load().watch.days_ahead == 3
    explicit = write(tmp_path, "[watch]\ndays_ahead = 4\n", "explicit.toml")
    assert load(explicit).watch.days_ahead == 4


def test_a_shared_hosts_files_come_after_the_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$XDG_CONFIG_DIRS (most important first), then /etc/oddsmon/oddsmon.toml."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ODDSMON_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home"))
    etc = write(tmp_path / "etc", "[watch]\ndays_ahead = 5\n")
    monkeypatch.setattr(config, "SYSTEM_CONFIG", etc)
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"relative/ignored:{tmp_path / 'd1'}:{tmp_path / 'd2'}")
    assert load().watch.days_ahead == 5
    write(tmp_path / "d2" / "oddsmon", "[watch]\ndays_ahead = 6\n")
    assert load().watch.days_ahead == 6
    write(tmp_path / "d1" / "oddsmon", "[watch]\ndays_ahead = 7\n")
    assert load().watch.days_ahead == 7
    write(tmp_path / "home" / "oddsmon", "[watch]\ndays_ahead = 8\n")
    assert load().watch.days_ahead == 8


def test_the_default_zone_is_the_hosts_and_init_config_writes_it(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    assert Settings().watch.timezone == "America/New_York"
    target = tmp_path / "oddsmon.toml"
    config.write_default(target)
    assert 'timezone = "America/New_York"' in target.read_text()
    monkeypatch.setenv("TZ", ":Asia/Tokyo")  # glibc's form
    assert config.host_timezone() == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[api]\ntimeout_s = 5\nbogus = 1\n", ":3: api.bogus: unknown key"),
        # api.provider was accepted and documented but read by nothing: now refused like any typo.
        ("[api]\nprovider = \"api-football\"\n", ":2: api.provider: unknown key (known in [api]: base_url,"),
        ("[cache]\nleagues_ttl_s = -1\n", ":2: cache.leagues_ttl_s: must be at least 0"),
        ("[api]\n\ntimeout_s = \"ten\"\n", ":3: api.timeout_s: expected a number, got a string 'ten'"),
        ("[watch]\nleagues = [39, \"x\"]\n", ":2: watch.leagues: expected positive integer ids"),
        ("[watch]\ntimezone = \"Mars/Olympus\"\n", ":2: watch.timezone: unknown time zone"),
        ("[watch]\ndays_ahead = 99\n", ":2: watch.days_ahead: must be at most 14"),
        ("[odds]\nformat = \"roman\"\n", ":2: odds.format: must be one of decimal, fractional, american"),
        ("[nope]\nx = 1\n", ":1: [nope]: unknown section"),
        ("[api]\ntimeout_s = \n", ":2: invalid TOML"),
        ("[api]\nretries = true\n", ":2: api.retries: expected an integer, got a boolean"),
        ("[api]\nkey_env = \"MY KEY\"\n", ":2: api.key_env: expected an environment variable name"),
        ("[stakes]\nbankroll = 0\n", ":2: stakes.bankroll: must be a number above 0"),
        ("[stakes]\n\nkelly_fraction = 1.5\n", ":3: stakes.kelly_fraction: must be at most 1"),
        ("[stakes]\nround_to = -1\n", ":2: stakes.round_to: must be a number above 0"),
        ("[stakes]\ncurrency = \"euro\"\n", ":2: stakes.currency: must be an ISO 4217 currency code"),
        ("[stakes]\ncurrency = \"E\u202eR\"\n", ":2: stakes.currency: must be an ISO 4217 currency code"),
        ("[stakes]\ncurrency = 978\n", ":2: stakes.currency: expected a string"),
    ],
)
def test_bad_config_names_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_file(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert expected in message, message
    assert "\n" not in message


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[paths]\ndb = "state/o.db"\nmetrics = "/abs/m.json"\n')
    settings = load_file(path)
    assert settings.paths.db == tmp_path.resolve() / "state" / "o.db"
    assert settings.paths.metrics == Path("/abs/m.json")


def test_key_from_env_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    monkeypatch.setenv("APISPORTS_KEY", "s3cret-value")
    key = settings.api_key()
    assert key is not None and key.reveal() == "s3cret-value"
    assert "s3cret" not in repr(key) and "s3cret" not in f"{key}" and "s3cret" not in str([key])


def test_key_file_must_be_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APISPORTS_KEY", raising=False)
    key_file = tmp_path / "key"
    key_file.write_text("from-file\n")
    key_file.chmod(0o644)
    cfg = write(tmp_path, f'[api]\nkey_file = "{key_file}"\n')
    settings = load_file(cfg)
    with pytest.raises(ConfigError, match="mode 0600, found 0644"):
        settings.api_key()
    key_file.chmod(0o600)
    assert settings.api_key().reveal() == "from-file"  # type: ignore[union-attr]


def test_init_config_writes_a_loadable_commented_default(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "oddsmon.toml"
    config.write_default(target)
    text = target.read_text()
    assert "# Calls kept back each day" in text
    loaded = load_file(target)
    assert loaded.api == Settings().api and loaded.watch == Settings().watch
    with pytest.raises(ConfigError, match="already exists"):
        config.write_default(target)
    assert target.read_text() == text


def test_init_config_documents_every_declared_key_and_loads_back_every_value(tmp_path: Path) -> None:
    """Each key is declared once: the file --init-config writes has that declaration's doc above
    every key, and loading it back gives the same settings, the non-default values included."""
    custom = config.load_file(write(tmp_path, '[watch]\nseasons = { 78 = 2023 }\n'
                                              '[paths]\nexport_mode = "0644"\n'))
    text = config.render_commented(custom)
    lines = text.splitlines()
    for section, keys in KEY_DOCS.items():
        for key, doc in keys.items():
            idx = next((i for i, line in enumerate(lines) if line.startswith(f"{key} =")), None)
            if key in ("key_file", "webhook_url", "url", "password_file", "file"):  # unset by default: no null in TOML
                assert idx is None
                continue
            assert idx is not None, f"{section}.{key} missing"
            assert lines[idx - 1] == f"# {doc}"
    reloaded = load_file(write(tmp_path, text, "again.toml"))
    assert reloaded.watch.seasons == ((78, 2023),) and reloaded.paths.export_mode == 0o644
    assert reloaded.api == custom.api and reloaded.cache == custom.cache and reloaded.alerts == custom.alerts


def test_cli_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[api]\ntimeout_s = -1\n")
    env = {**os.environ, "APISPORTS_KEY": ""}
    proc = subprocess.run([sys.executable, "-m", "oddsmon", "--config", str(path), "--warm"],
                          capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert f"{path}:2: api.timeout_s: must be at least 0.1" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_unknown_flag_exits_2_naming_it() -> None:
    proc = subprocess.run([sys.executable, "-m", "oddsmon", "--frobnicate"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "--frobnicate" in proc.stderr


def test_export_mode_is_an_octal_mode_among_the_safe_ones(tmp_path: Path) -> None:
    from oddsmon.config import load_file

    config = tmp_path / "oddsmon.toml"
    for written, mode in (('"0644"', 0o644), ("0o640", 0o640), ('"600"', 0o600)):
        config.write_text(f"[paths]\nexport_mode = {written}\n")
        assert load_file(config).paths.export_mode == mode
    for bad in ('"0666"', '"rw-r--r--"', "644", "true"):
        config.write_text(f"[paths]\nexport_mode = {bad}\n")
        with pytest.raises(ConfigError, match=rf"{config}:2: paths.export_mode: expected a file mode"):
            load_file(config)
def test_auth_mode_sets_the_base_url_unless_given(tmp_path: Path) -> None:
    rapid = load_file(write(tmp_path, '[api]\nauth = "rapidapi"\n'))
    assert rapid.api.base_url == "https://api-football-v1.p.rapidapi.com/v3"
    assert rapid.api.rapidapi_host == "api-football-v1.p.rapidapi.com"
    own = load_file(write(tmp_path, '[api]\nauth = "rapidapi"\nbase_url = "http://127.0.0.1:8099/v3"\n'))
    assert own.api.base_url == "http://127.0.0.1:8099/v3"
    with pytest.raises(ConfigError, match=r"oddsmon.toml:3: api.base_url: .* remove base_url"):
        load_file(write(tmp_path, '[api]\nauth = "rapidapi"\nbase_url = "https://v3.football.api-sports.io"\n'))
    with pytest.raises(ConfigError, match=r"oddsmon.toml:2: api.auth: must be one of apisports, rapidapi"):
        load_file(write(tmp_path, '[api]\nauth = "rapid"\n'))


def test_season_auto_per_league_overrides_and_errors(tmp_path: Path) -> None:
    s = load_file(write(tmp_path, '[watch]\nleagues = [39, 78]\n[watch.seasons]\n78 = 2023\n'))
    assert s.watch.season == "auto" and s.watch.fixed_season(78) == 2023 and s.watch.fixed_season(39) is None
    s = load_file(write(tmp_path, '[watch]\nseason = 2025\nseasons = { 78 = 2023 }\n'))
    assert (s.watch.fixed_season(39), s.watch.fixed_season(78)) == (2025, 2023)
    with pytest.raises(ConfigError, match=r'watch.season: expected "auto" or a year'):
        load_file(write(tmp_path, '[watch]\nseason = "current"\n'))
    with pytest.raises(ConfigError, match=r"watch.seasons: expected league ids as keys"):
        load_file(write(tmp_path, '[watch]\nseasons = { epl = 2023 }\n'))
