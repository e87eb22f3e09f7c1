"""oddsmon.toml -> typed, validated settings.

Lookup order: ``--config PATH``, ``$ODDSMON_CONFIG``, ``./oddsmon.toml``,
``$XDG_CONFIG_HOME/oddsmon/oddsmon.toml``, ``oddsmon/oddsmon.toml`` in each of
``$XDG_CONFIG_DIRS`` (default ``/etc/xdg``), ``/etc/oddsmon/oddsmon.toml`` (a shared host's
one file for every account), else built-in defaults. Every problem is reported as
one ``ConfigError`` naming the file, the line where it can be found, and the key; the CLI turns
it into exit status 2.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import stat
from datetime import UTC
from pathlib import Path
from urllib.parse import urlsplit

from .records import MISSING, field, fields, record, replace
from .secret import Secret as Secret  # re-exported: a key is read, and typed, as config.Secret
from .types import FAIR_METHODS, PRICE_FORMATS, FairMethod, PriceFormat

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import tzinfo
    from typing import Any

    Check = Callable[[Any], Any]
# tomllib, tomli_w and zoneinfo are imported where used: ``--check`` on the default config
# reads no file and shows no local time, and it should not pay for them at start. The settings
# are records (oddsmon/records.py), not dataclasses, for the same reason.

DEFAULT_BASE_URL = "https://v3.football.api-sports.io"
# RapidAPI's gateway to the same API (docs/provider.md, "Authentication"): its own host, headers
# and error bodies.
RAPIDAPI_BASE_URL = "https://api-football-v1.p.rapidapi.com/v3"
RAPIDAPI_HOST = "api-football-v1.p.rapidapi.com"
AUTH_MODES = ("apisports", "rapidapi")
DEMO_KEY = "demo-key-for-the-bundled-simulator"
# What a secret is replaced with wherever it is shown (a webhook URL's token, the API key).
MASK = "********"
# The bodies a webhook may read (alerts/targets.py); "auto" picks one from the URL's host.
WEBHOOK_FORMATS = ("auto", "json", "slack", "discord", "teams", "google_chat", "ntfy", "alertmanager")


# Bounds of numbers from outside: no plan has a billion calls a day; no page stays fresh a year
# (the store keeps a TTL beyond this as expired, so a value from an older config cannot stick).
QUOTA_MAX = 10**9
TTL_MAX_S = 366 * 86400
# Ids (leagues, fixtures, bookmakers): the API's are small; beyond what a double holds exactly
# is impossible (the body parser refuses it too: domain.models.INT_LIMIT), and past 2^63 SQLite
# could not even store it.
ID_MAX = 2**53 - 1
# Money (a bankroll, a stake's rounding): far above any real one, far below where floats lose cents.
MONEY_MAX = 10**12


class ConfigError(Exception):
    """A configuration problem, already phrased for a person: ``file:line: key: problem``."""


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    """A value for an error message; an integer of many digits (TOML has no bound) by its size."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        return f"an integer of {len(str(abs(value)))} digits"
    return repr(value)


def _check_int(value: Any, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {_type_name(value)} {value!r}")
    if lo is not None and value < lo:
        raise ValueError(f"must be at least {lo}, got {_shown(value)}")
    if hi is not None and value > hi:
        raise ValueError(f"must be at most {hi}, got {_shown(value)}")
    return value


def _check_float(value: Any, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {_type_name(value)} {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer past a double's range: math.isfinite would raise too
        raise ValueError(f"expected a number, got {_shown(value)}") from None
    if not math.isfinite(number):  # TOML has nan and inf; every comparison with nan is False
        raise ValueError(f"expected a finite number, got {value!r}")
    if lo is not None and number < lo:
        raise ValueError(f"must be at least {lo}, got {_shown(value)}")
    if hi is not None and number > hi:
        raise ValueError(f"must be at most {hi}, got {_shown(value)}")
    return number


def _check_money(value: Any) -> float:
    number = _check_float(value, hi=MONEY_MAX)
    if not number > 0:
        raise ValueError(f"must be a number above 0, got {value!r}")
    return number


def _check_str(value: Any, choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {_type_name(value)} {value!r}")
    if choices is not None and value not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}; got {value!r}")
    return value


def _check_currency(value: Any) -> str:
    """An ISO 4217 code (``EUR``): three capital letters, nothing a screen could misread."""
    text = _check_str(value)
    if not (len(text) == 3 and text.isascii() and text.isalpha() and text.isupper()):
        raise ValueError(f"must be an ISO 4217 currency code of three capital letters "
                         f"(EUR, GBP, USD), got {value!r}")
    return text


def _check_ids(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of integer ids, got {_type_name(value)} {value!r}")
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 < item <= ID_MAX:
            raise ValueError(f"expected positive integer ids up to {ID_MAX}, got {_shown(item)} in the list")
        out.append(item)
    return tuple(out)


# A DNS name (labels of letters, digits and inner hyphens), or an IPv4/IPv6 address. Patterns
# are kept as text (re compiles and caches them on first use): most runs never check a URL.
_HOST = (r"(?:[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?\.?"
                   r"|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")


def _check_url(value: Any, *, query: bool = False) -> str:
    """An http(s) URL; ``query``: a ?query is allowed (a webhook's: Teams' signature, Google
    Chat's key and token), and the URL is shown masked in every message about it."""
    url = _check_str(value)
    shown = mask_url(url) if query else url
    if not re.match(r"^https?://[^\s/]+", url) or not url.isprintable():
        raise ValueError(f"expected an http(s) URL, got {shown!r}")
    parts = urlsplit(url)
    if "@" in parts.netloc:
        # Credentials would be printed and journaled with every message naming the URL.
        raise ValueError("credentials (user:password@) are not allowed in the URL; "
                         "the API key goes in api.key_env or api.key_file")
    try:
        if parts.port == 0:  # raises for a port outside 0..65535 or not a number
            raise ValueError
    except ValueError:
        raise ValueError(f"expected an http(s) URL with a valid port (1-65535), got {shown!r}") from None
    if not re.fullmatch(_HOST, parts.hostname or ""):
        raise ValueError(f"expected an http(s) URL with a valid host name, got {shown!r}")
    if parts.fragment or (parts.query and not query):
        raise ValueError(f"expected an http(s) URL without {'' if query else '?query or '}#fragment, got {shown!r}")
    return url if parts.query else url.rstrip("/")


def mask_url(url: str) -> str:
    """A webhook URL as any message, screen or file shows it: scheme and host, the path masked
    (Slack's, Discord's and ntfy's secrets are in it) and every query value masked (Teams'
    ``sig``, Google Chat's ``key`` and ``token``)."""
    parts = urlsplit(url)
    path = "/" + MASK if parts.path.strip("/") else ""
    query = "&".join(f"{name.split('=')[0]}={MASK}" for name in parts.query.split("&") if name)
    return f"{parts.scheme}://{parts.netloc}{path}" + (f"?{query}" if query else "")


def _check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_type_name(value)} {value!r}")
    return value


def _check_env_name(value: Any) -> str:
    name = _check_str(value)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"expected an environment variable name, got {name!r}")
    return name


def _check_host(value: Any) -> str:
    host = _check_str(value)
    if not re.fullmatch(r"[A-Za-z0-9.-]+(:\d+)?", host):
        raise ValueError(f"expected a host name like {RAPIDAPI_HOST}, got {host!r}")
    return host


def _check_season(value: Any) -> int | str:
    if value == "auto":
        return value
    if isinstance(value, str):
        raise ValueError(f'expected "auto" or a year like 2025, got {value!r}')
    return _check_int(value, 1900, 2100)


def _check_seasons(value: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, dict):
        raise ValueError(f"expected a table of league id = season, got {_type_name(value)} {value!r}")
    out = []
    for league, season in value.items():
        if not re.fullmatch(r"[1-9][0-9]{0,15}", league) or int(league) > ID_MAX:
            shown = league if len(league) <= 24 else f"{league[:20]}... ({len(league)} characters)"
            raise ValueError(f"expected league ids as keys (78 = 2023), up to {ID_MAX}, got {shown!r}")
        try:
            year = _check_int(season, 1900, 2100)
        except ValueError as exc:
            raise ValueError(f"league {league}: {exc}") from None
        out.append((int(league), year))
    return tuple(out)


# Zones that are UTC at every instant and abbreviated "UTC": known without loading zoneinfo
# (whose import and tzdata lookups are a tenth of a headless command's start-up).
_UTC_ZONES = ("UTC", "Etc/UTC")


def _zone_known(name: str) -> bool:
    if name in _UTC_ZONES:
        return True
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _check_tz(value: Any) -> str:
    name = _check_str(value)
    if not _zone_known(name):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like Europe/Paris)")
    return name


def _check_mode(value: Any, allowed: tuple[int, ...]) -> int:
    """A file mode as a string (``"0644"``) or a TOML octal integer (``0o644``)."""
    names = ", ".join(f'"{m:04o}"' for m in allowed)
    if isinstance(value, int) and not isinstance(value, bool) and value in allowed:
        return value
    text = _check_str(value) if not isinstance(value, int) else f"{value:o}"
    if not re.fullmatch(r"0?[0-7]{3}", text) or int(text, 8) not in allowed:
        raise ValueError(f"expected a file mode among {names}, got {value!r}")
    return int(text, 8)


def _check_theme(value: Any) -> str:
    name = _check_str(value)
    if name and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"expected a theme name like textual-dark or nord, got {name!r}")
    return name


def _check_path(value: Any) -> Path:
    """A path; a relative one is made relative to the config file when the file is loaded."""
    text = _check_str(value)
    if not text:
        raise ValueError("expected a path, got an empty string")
    return Path(text).expanduser()


# --- one declaration per key ------------------------------------------------------------------
# Each key is declared once, on its record field: its default, the check a value from the file
# must pass (type and bounds) and the line documenting it. Loading, --init-config and KEY_DOCS are
# all derived from these fields, so a key cannot be validated without being documented, or the
# other way round.

@record
class KeySpec:
    check: Check
    doc: str
    # How the value is written back as TOML, when not as itself (a file mode reads in octal).
    to_toml: Callable[[Any], Any] | None = None


def _key(default: Any, check: Check, doc: str, *, factory: Callable[[], Any] | None = None,
         to_toml: Callable[[Any], Any] | None = None) -> Any:
    """A settings field carrying its :class:`KeySpec`; ``default=MISSING`` for a required one."""
    meta = {"key": KeySpec(check, doc, to_toml)}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def _int(lo: int | None = None, hi: int | None = None) -> Check:
    return lambda value: _check_int(value, lo, hi)


def _float(lo: float | None = None, hi: float | None = None) -> Check:
    return lambda value: _check_float(value, lo, hi)


def _choice(*choices: str) -> Check:
    return lambda value: _check_str(value, choices)


_TTL = _int(0, TTL_MAX_S)


@record
class ApiSettings:
    base_url: str = _key(DEFAULT_BASE_URL, _check_url,
                         "API root; point it at `python -m oddsmon.sim --port N` for drills.")
    key_env: str = _key("APISPORTS_KEY", _check_env_name,
                        "Name of the environment variable that holds the API key.")
    key_file: Path | None = _key(None, _check_path, "Optional file holding the key, used when the "
                                 "variable is unset; must be mode 0600.")
    timeout_s: float = _key(10.0, _float(0.1, 300), "Seconds before a connect or read gives up.")
    retries: int = _key(2, _int(0, 10), "Extra attempts after a read error, timeout or 5xx, with "
                        "backoff, before going offline.")
    daily_reserve: int = _key(10, _int(0, QUOTA_MAX), "Calls kept back each day: at or below this "
                              "many left, oddsmon goes offline (quota).")
    per_minute: int = _key(0, _int(0, 100_000), "Pace limit per minute; 0 follows the plan's "
                           "X-RateLimit-Limit, a value can only lower it.")
    deadline_s: float = _key(30.0, _float(0.5, 3600), "Seconds a whole request may take (connect, "
                             "headers and body), however slowly the peer sends.")
    max_body_mb: int = _key(32, _int(1, 1024), "Largest answer accepted, in MB; a larger one is an "
                            "error for that page, never cached.")
    auth: str = _key("apisports", _choice(*AUTH_MODES), "apisports (a key from "
                     "dashboard.api-football.com) or rapidapi (a key from rapidapi.com).")
    rapidapi_host: str = _key(RAPIDAPI_HOST, _check_host,
                              "With auth = rapidapi: the x-rapidapi-host header.")


@record
class WatchSettings:
    leagues: tuple[int, ...] = _key((39, 61, 140), _check_ids, "League ids to watch (39 Premier "
                                    "League, 61 Ligue 1, 140 La Liga, ...).")
    # "auto": each league's current season, asked of /leagues (seasons are per league);
    # an integer applies to every league; ``seasons`` overrides single leagues.
    season: int | str = _key("auto", _check_season, '"auto" (each league\'s current season, from '
                             "/leagues) or a year for every league.")
    # (league id, season), from [watch.seasons]
    seasons: tuple[tuple[int, int], ...] = _key(
        (), _check_seasons, "One league's season, overriding season (78 = 2023).",
        to_toml=lambda pairs: {str(league): season for league, season in pairs})
    days_ahead: int = _key(3, _int(0, 14), "Days of upcoming fixtures shown and warmed (0 to 14).")
    bookmakers: tuple[int, ...] = _key((), _check_ids, "Bookmaker ids to show; an empty list shows "
                                       "every bookmaker.")
    timezone: str = _key(MISSING, _check_tz, "IANA time zone for times on screen (default: the "
                         "host's, from $TZ or /etc/localtime, else UTC); stored times are always UTC.",
                         factory=lambda: host_timezone())

    @property
    def tz(self) -> tzinfo:
        if self.timezone in _UTC_ZONES:
            return UTC
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    @property
    def one_season(self) -> int | None:
        """The season every league uses, or None when each asks the API ("auto")."""
        return self.season if isinstance(self.season, int) else None

    def fixed_season(self, league: int) -> int | None:
        """The season configured for ``league``, or None when it is asked of the API."""
        for lg, season in self.seasons:
            if lg == league:
                return season
        return self.one_season


def shared_mode(directory: Path) -> int:
    """The mode of the files oddsmon keeps in ``directory``: 0600, or 0660 when the directory
    is setgid (``chmod g+s``): on Linux its files then take its group, so the analysts of that
    group share one store, one quota and one journal. Nothing secret is in them (the key never
    is). An explicit chmod, so the umask does not take the group's write away."""
    try:
        return 0o660 if os.stat(directory).st_mode & stat.S_ISGID else 0o600
    except OSError:
        return 0o600


@record
class PathSettings:
    db: Path = _key(MISSING, _check_path, "Shared SQLite store (cache, offline state, quota ledger); "
                    "every process on the host uses it.")
    metrics: Path = _key(MISSING, _check_path, "Where --export writes the supervision metrics JSON.")
    incidents: Path = _key(MISSING, _check_path, "Incident journal oddsmon keeps; lines people add "
                           "are never rewritten.")
    # The exports hold no secret (the key is redacted): 0644 lets a node_exporter running as
    # another user read the .prom file. Written as a TOML string ("0644"), an octal mode.
    export_mode: int = _key(0o600, lambda value: _check_mode(value, (0o600, 0o640, 0o644)),
                            "File mode of --export's files: \"0600\" (default), \"0640\" or \"0644\" "
                            "(nothing secret is in them; 0644 lets node_exporter read the .prom).",
                            to_toml=lambda mode: f"{mode:04o}")


# A PostgreSQL connection string: a libpq URL, or key/value pairs (host=... dbname=...).
_PG_SCHEMES = ("postgresql://", "postgres://")
_PG_KEYWORD = re.compile(r"\s*([A-Za-z_]+)\s*=")


def is_postgres(location: str) -> bool:
    """Whether a store location names a PostgreSQL database (a libpq URL or a key/value DSN)
    rather than a SQLite file's path."""
    return location.startswith(_PG_SCHEMES) or bool(_PG_KEYWORD.match(location))


def check_store_url(value: Any) -> str:
    """A libpq connection string without a password: it is shown in Health, logs, --check and
    errors, so the password comes from $PGPASSWORD, ~/.pgpass or store.password_file."""
    url = _check_str(value).strip()
    if not url.isprintable():
        raise ValueError("expected a postgresql:// URL or key=value pairs, got a control character")
    if url.startswith(_PG_SCHEMES):
        netloc = urlsplit(url).netloc
        userinfo = netloc.rpartition("@")[0]
        has_password = ":" in userinfo or re.search(r"[?&]password=", url) is not None
    elif _PG_KEYWORD.match(url):
        has_password = any(m.group(1).lower() == "password"
                           for m in re.finditer(r"(?:^|\s)([A-Za-z_]+)\s*=", url))
    else:
        raise ValueError(f"expected a postgresql:// URL or libpq key=value pairs "
                         f"(host=db.example dbname=oddsmon), got {url!r}")
    if has_password:
        # Never echo the value: it holds the password.
        raise ValueError("a password is not allowed in the URL (it would be shown wherever the "
                         "store is named); use $PGPASSWORD, ~/.pgpass or store.password_file")
    return url


@record
class StoreSettings:
    """Where the shared store lives: the SQLite file at ``paths.db`` (the default, for one host)
    or a team's PostgreSQL database (docs/team.md)."""

    url: str | None = _key(None, check_store_url, "A team's PostgreSQL store: a libpq URL "
                           "(postgresql://oddsmon@db.example/oddsmon?sslmode=verify-full) or key=value "
                           "pairs, without a password; unset: the SQLite file at paths.db.")
    password_file: Path | None = _key(None, _check_path, "File holding the PostgreSQL password "
                                      "(mode 0600), used instead of $PGPASSWORD and ~/.pgpass.")

    def password(self) -> str | None:
        """The password from ``password_file`` (which must be mode 0600), None when unset: then
        libpq reads $PGPASSWORD or ~/.pgpass itself."""
        if self.password_file is None:
            return None
        raw = _private_file(self.password_file, "store.password_file")
        try:
            value = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ConfigError(f"{self.password_file}: store.password_file is not UTF-8 text") from None
        if not value or not value.isprintable() or "\n" in value:
            raise ConfigError(f"{self.password_file}: store.password_file must hold the password "
                              f"alone on one line")
        return value


def _private_file(path: Path, key: str) -> bytes:
    """The bytes of a secret's file, which must be a regular file readable by its owner only."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{path}: {key} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {key} cannot be read: {exc.strerror}") from None
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise ConfigError(
            f"{path}: {key} must be readable by its owner only "
            f"(mode 0600, found {stat.S_IMODE(st.st_mode):04o}); run: chmod 600 {path}"
        )
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{path}: {key} is not a regular file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: {key} cannot be read: {exc.strerror}") from None


@record
class CacheSettings:
    """Seconds each page's cache entry stays fresh; past that, an online read fetches again.

    The defaults follow each endpoint's documented update frequency (docs/provider.md).
    """

    fixtures_ttl_s: int = _key(24 * 3600, _TTL, "Seconds a fixtures page stays fresh (the provider "
                               "updates fixtures daily).")
    fixtures_live_ttl_s: int = _key(60, _TTL, "Seconds a fixtures page stays fresh while a fixture "
                                    "on it is live (updated every minute).")
    predictions_ttl_s: int = _key(24 * 3600, _TTL, "Seconds a prediction stays fresh (1 call a day "
                                  "recommended).")
    odds_ttl_s: int = _key(3 * 3600, _TTL, "Seconds an odds page stays fresh (pre-match odds: "
                           "updated every 3 hours).")
    bookmakers_ttl_s: int = _key(24 * 3600, _TTL, "Seconds the bookmakers list stays fresh.")
    leagues_ttl_s: int = _key(24 * 3600, _TTL, "Seconds league details (each league's current "
                              "season, for season = \"auto\") stay fresh.")


@record
class SupervisionSettings:
    quota_warning: int = _key(50, _int(0, QUOTA_MAX), "--check exits 1 (WARNING) when fewer calls "
                              "than this remain today.")
    quota_critical: int = _key(0, _int(0, QUOTA_MAX), "--check exits 2 (CRITICAL) when fewer calls "
                               "than this remain today; 0: never.")
    probe_min_s: float = _key(5.0, _float(0.1, 3600), "First wait before probing /status after a "
                              "network outage.")
    probe_max_s: float = _key(300.0, _float(0.1, 86400), "Longest wait between probes; the wait "
                              "(jittered) doubles up to this.")
    quota_probe_s: float = _key(1800.0, _float(60, 86400), "During a quota outage, the longest wait "
                                "between /status probes (they start probe_min_s after the exhaustion "
                                "and double).")


@record
class OddsSettings:
    format: PriceFormat = _key("decimal", _choice(*PRICE_FORMATS),
                       "Price display: decimal, fractional or american.")
    fair_method: FairMethod = _key("multiplicative", _choice(*FAIR_METHODS), "Margin removal: "
                            "multiplicative, additive, power, shin or odds_ratio.")
    drop_alert_pct: float = _key(10.0, _float(0, 100), "Alert (on screen and to the webhook) when a "
                                 "price shortens by at least this many percent; 0: never...")
    drop_window_min: int = _key(60, _int(1, 7 * 24 * 60), "...within this many minutes.")


@record
class StakeSettings:
    bankroll: float = _key(1000.0, _check_money, "Money the Odds screen stakes from (Kelly "
                           "stakes, arbitrage splits).")
    # A quarter Kelly by default: full Kelly's swings are too wild for most.
    kelly_fraction: float = _key(0.25, _float(0, 1), "Share of full Kelly to stake (0.25: a quarter "
                                 "Kelly; 1: full Kelly).")
    round_to: float = _key(1.0, _check_money, "Stakes are rounded to a multiple of this; the "
                           "screen shows what rounding costs.")
    currency: str = _key("EUR", _check_currency, "The bankroll's currency (ISO 4217: EUR, GBP, "
                         "USD), shown beside every stake.")


@record
class ModelSettings:
    """Your own probabilities, beside the market's and the prediction's (docs/model.md)."""

    file: Path | None = _key(None, _check_path, "Optional CSV of your own probabilities "
                             "(fixture_id, market, line, outcome, p), read again whenever it "
                             "changes; oddsmon --import-probs FILE does the same once.")


@record
class CollectSettings:
    """``oddsmon --collect``: what the collector may spend and how often it looks."""

    daily_budget: int = _key(0, _int(0, QUOTA_MAX), "Counted calls oddsmon --collect may spend a day; 0: half "
                             "of what the plan leaves above the reserve.")
    interval_s: int = _key(60, _int(5, 3600), "Seconds between collector cycles.")
    live_ttl_s: int = _key(60, _int(5, 3600), "Seconds between in-play odds polls of a fixture "
                           "(stretched when the budget cannot pay for it).")
    closing_window_min: int = _key(60, _int(5, 24 * 60), "The closing price is fetched within this "
                                   "many minutes before kickoff.")


@record
class WarmSettings:
    """A warm (``oddsmon --warm``, the TUI's ``w``, the warm after a resume): what one may spend."""

    max_calls: int = _key(100, _int(1, QUOTA_MAX), "Counted calls one warm may spend: the four critical "
                          "pages first, then predictions nearest kickoff; what does not fit is named "
                          "(oddsmon --warm --force passes the cap).")


@record
class AlertSettings:
    """Alerts POSTed to a webhook (Slack, Discord, or anything reading ``text``)."""

    webhook_url: str | None = _key(None, lambda v: _check_url(v, query=True), "Webhook the alerts are "
                                   "POSTed to (Slack, Discord, Teams, Google Chat, ntfy, Alertmanager, or "
                                   "any JSON reader); shown masked; unset: no webhook alerts.")
    webhook_format: str = _key("auto", _choice(*WEBHOOK_FORMATS), "The body the webhook reads: auto (from its "
                       "host; json otherwise), json, slack, discord, teams, google_chat, ntfy or alertmanager.")
    arbitrage_pct: float = _key(0.0, _float(0, 100), "Alert when a market's best prices leave an "
                                "arbitrage of at least this many percent; 0: off.")
    value_pct: float = _key(0.0, _float(0, 1000), "Alert when a best price's expected value against "
                            "the prediction reaches this many percent; 0: off.")
    mode_changes: bool = _key(True, _check_bool, "Alert on offline/online transitions (for on-call).")
    min_interval_s: float = _key(10.0, _float(0, 3600), "At most one webhook POST per this many "
                                 "seconds: what comes meanwhile goes out in one digest.")
    attempts: int = _key(8, _int(1, 30), "Attempts per alert (waits doubling from 30 s up to 30 min) "
                         "before it is a dead letter, which --check reports.")
    webhook_timeout_s: float = _key(10.0, _float(0.1, 300), "Seconds a webhook may take to answer.")


@record
class UiSettings:
    # Theme names are Textual's (checked when the TUI starts: the headless modes never load it).
    theme: str = _key("", _check_theme, "Colour theme (textual-dark, nord, gruvbox, ...); empty: the "
                      "one last chosen in the palette (ctrl+p, Theme), remembered per user.")


@record
class Settings:
    api: ApiSettings = field(default_factory=ApiSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    paths: PathSettings = field(default_factory=lambda: default_paths())
    store: StoreSettings = field(default_factory=StoreSettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    supervision: SupervisionSettings = field(default_factory=SupervisionSettings)
    odds: OddsSettings = field(default_factory=OddsSettings)
    stakes: StakeSettings = field(default_factory=StakeSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    collect: CollectSettings = field(default_factory=CollectSettings)
    warm: WarmSettings = field(default_factory=WarmSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    source: Path | None = None  # the file these settings came from, None for defaults
    # A --demo's settings (the bundled simulator, a throwaway store): its key is the
    # simulator's, and the commands oddsmon tells people to run carry --demo (see prog).
    demo: bool = False

    def with_paths(self, **changes: Path | int) -> Settings:
        return replace(self, paths=replace(self.paths, **changes))

    @property
    def prog(self) -> str:
        """The command people are told to run: ``oddsmon``, or ``oddsmon --demo`` in a demo (a
        plain ``oddsmon --export`` there would act on another store, or exit 3 without a key)."""
        return "oddsmon --demo" if self.demo else "oddsmon"

    def missing_key(self, environ: os._Environ[str] | dict[str, str] | None = None) -> str | None:
        """Why no API key is configured (naming the variable and the file), or None if one is."""
        if self.api_key(environ) is not None:
            return None
        where = f"${self.api.key_env} is unset or empty"
        if self.api.key_file is not None:
            where += f" and api.key_file {self.api.key_file} is empty"
        return f"no API key: {where}; set it, or use --demo for the simulator"

    def api_key(self, environ: os._Environ[str] | dict[str, str] | None = None) -> Secret | None:
        """The key from ``$<key_env>``, else from ``key_file`` (which must be mode 0600); a
        demo's is the simulator's (a real key is never sent to it)."""
        if self.demo:
            return Secret(DEMO_KEY)
        env = os.environ if environ is None else environ
        value = env.get(self.api.key_env, "").strip()
        if value:
            return Secret(_check_key(value, f"${self.api.key_env}"))
        if self.api.key_file is None:
            return None
        path = self.api.key_file
        raw = _private_file(path, "api.key_file")
        try:
            value = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: api.key_file: the key must be printable ASCII "
                              f"(found a byte outside it)") from None
        return Secret(_check_key(value, f"{path}: api.key_file")) if value else None


def _check_key(value: str, source: str) -> str:
    """A key goes into an HTTP header: printable ASCII, nothing blank inside. Anything else
    would make the HTTP library refuse the header and quote it in its error message."""
    if not all("!" <= ch <= "~" for ch in value):
        bad = next(ch for ch in value if not "!" <= ch <= "~")
        what = "a line break or blank" if bad.isspace() else "a character outside printable ASCII"
        # Never echo the key, not even a part of it.
        raise ConfigError(f"{source}: the API key holds {what}; it must be one word of "
                          f"printable ASCII (a key file holds the key alone on one line)")
    return value


def host_timezone() -> str:
    """The host's IANA zone: ``$TZ``, ``/etc/timezone``, the ``/etc/localtime`` link; UTC when
    none of them names a zone this Python knows (the default, stated in the example)."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError, UnicodeDecodeError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    try:
        link = os.readlink("/etc/localtime")
        candidates.append(link.split("zoneinfo/", 1)[1] if "zoneinfo/" in link else "")
    except OSError:
        pass
    for name in candidates:
        if name and not name.startswith("/") and _zone_known(name):
            return name
    return "UTC"


SYSTEM_CONFIG = Path("/etc/oddsmon/oddsmon.toml")


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var, "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / fallback


def state_dir() -> Path:
    """This user's oddsmon state directory (the default store, the log, the theme)."""
    return _xdg("XDG_STATE_HOME", ".local/state") / "oddsmon"


def default_paths() -> PathSettings:
    state = state_dir()
    data = _xdg("XDG_DATA_HOME", ".local/share") / "oddsmon"
    return PathSettings(
        db=state / "oddsmon.db",
        metrics=data / "supervision_metrics.json",
        incidents=data / "incidents_supervision.md",
    )



# --- loading ----------------------------------------------------------------------------------

# Keys that were, and what to write instead.
_REMOVED: dict[tuple[str, str], str] = {
    ("alerts", "drop_pct"): "removed: one drop threshold, odds.drop_alert_pct, now decides both the "
                            "screen's notices and the webhook's alerts; put the value there (0: no drop alerts)",
}

_SECTIONS: dict[str, type] = {
    "api": ApiSettings,
    "watch": WatchSettings,
    "paths": PathSettings,
    "store": StoreSettings,
    "cache": CacheSettings,
    "supervision": SupervisionSettings,
    "odds": OddsSettings,
    "stakes": StakeSettings,
    "model": ModelSettings,
    "collect": CollectSettings,
    "warm": WarmSettings,
    "alerts": AlertSettings,
    "ui": UiSettings,
}
# section -> key -> its declaration, read off the record fields.
_KEYS: dict[str, dict[str, KeySpec]] = {
    section: {f.name: f.metadata["key"] for f in fields(cls)} for section, cls in _SECTIONS.items()
}
# One line per key: the comment --init-config writes above it, and what the example documents.
KEY_DOCS: dict[str, dict[str, str]] = {
    section: {key: spec.doc for key, spec in keys.items()} for section, keys in _KEYS.items()
}


class _Where:
    """Finds the line of ``[section] key`` in the TOML text, for error messages."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, section: str, key: str | None = None) -> int | None:
        header = re.compile(r"^\s*\[\s*" + re.escape(section) + r"\s*\]\s*(#.*)?$")
        any_header = re.compile(r"^\s*\[")
        key_re = re.compile(r"^\s*" + re.escape(key) + r"\s*=") if key else None
        in_section = False
        for number, line in enumerate(self.lines, start=1):
            if header.match(line):
                if key_re is None:
                    return number
                in_section = True
            elif any_header.match(line):
                in_section = False
            elif in_section and key_re is not None and key_re.match(line):
                return number
        return None

    def error(self, section: str, key: str | None, problem: str) -> ConfigError:
        # A table may also be written as a section of its own ([watch.seasons]).
        line = self.line_of(section, key) or (self.line_of(f"{section}.{key}") if key else None)
        where = f"{self.path}:{line}" if line else str(self.path)
        name = f"{section}.{key}" if key else f"[{section}]"
        return ConfigError(f"{where}: {name}: {problem}")


def _build(data: dict[str, Any], where: _Where, base: Path) -> Settings:
    sections: dict[str, Any] = {}
    for section, table in data.items():
        if section not in _SECTIONS:
            raise where.error(section, None, f"unknown section (known: {', '.join(_SECTIONS)})")
        if not isinstance(table, dict):
            raise where.error(section, None, "expected a table like [" + section + "]")
        values: dict[str, Any] = {}
        for key, raw in table.items():
            spec = _KEYS[section].get(key)
            if (section, key) in _REMOVED:
                raise where.error(section, key, _REMOVED[(section, key)])
            if spec is None:
                known = ", ".join(_KEYS[section])
                raise where.error(section, key, f"unknown key (known in [{section}]: {known})")
            try:
                value = spec.check(raw)
            except ValueError as exc:
                raise where.error(section, key, str(exc)) from None
            # Relative paths are relative to the config file, so the example's docs/... lands
            # in the checkout whatever directory oddsmon is started from.
            values[key] = base / value if isinstance(value, Path) and not value.is_absolute() else value
        sections[section] = values

    api = sections.get("api", {})
    if api.get("auth") == "rapidapi" and "base_url" not in api:
        api["base_url"] = RAPIDAPI_BASE_URL  # the base URL follows auth unless it is set
    mismatch = {"rapidapi": DEFAULT_BASE_URL, "apisports": RAPIDAPI_BASE_URL}.get(api.get("auth", "apisports"))
    if api.get("base_url") == mismatch:
        # Each gateway refuses the other's headers: say so now, not as a rejected key later.
        raise where.error("api", "base_url", f"{mismatch} does not take auth = "
                          f"{api.get('auth', 'apisports')!r} keys; remove base_url (it follows auth)")
    paths = default_paths()
    settings = Settings(
        api=ApiSettings(**sections.get("api", {})),
        watch=WatchSettings(**sections.get("watch", {})),
        paths=replace(paths, **sections.get("paths", {})),
        store=StoreSettings(**sections.get("store", {})),
        cache=CacheSettings(**sections.get("cache", {})),
        supervision=SupervisionSettings(**sections.get("supervision", {})),
        odds=OddsSettings(**sections.get("odds", {})),
        stakes=StakeSettings(**sections.get("stakes", {})),
        model=ModelSettings(**sections.get("model", {})),
        collect=CollectSettings(**sections.get("collect", {})),
        warm=WarmSettings(**sections.get("warm", {})),
        alerts=AlertSettings(**sections.get("alerts", {})),
        ui=UiSettings(**sections.get("ui", {})),
        source=where.path,
    )
    if settings.supervision.probe_max_s < settings.supervision.probe_min_s:
        raise where.error("supervision", "probe_max_s", "must not be below probe_min_s")
    if settings.supervision.quota_critical > settings.supervision.quota_warning:
        raise where.error("supervision", "quota_critical", "must not be above quota_warning")
    return settings


_TOML_LINE = r"\(at line (\d+), column (\d+)\)"


def load_file(path: Path) -> Settings:
    """Read and validate one config file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"{path}: cannot read config file: {reason}") from None
    import tomllib

    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or int()'s limit on a number of 4,301+ digits
        raise _toml_problem(path, text, exc) from None
    except RecursionError:
        raise _toml_too_deep(path, text) from None
    return _build(data, _Where(path, text), path.parent.resolve())


def _toml_problem(path: Path, text: str, exc: ValueError) -> ConfigError:
    """Broken TOML as ``file:line: invalid TOML in section.key: problem``.

    tomllib says where it noticed the problem, not what was being declared: an unclosed array
    is reported on the next key's line (or at the end of the document), so the key whose
    value is still open there is found by reading the text (:func:`_open_value`).
    """
    import tomllib

    lines = text.splitlines()
    message = re.sub(_TOML_LINE, "", str(exc)).strip()
    at = re.search(_TOML_LINE, str(exc))
    noticed = int(at.group(1)) if at else None
    if not isinstance(exc, tomllib.TOMLDecodeError):
        digits = re.search(r"[0-9][0-9_]{4299,}", text)
        message = "a number of more than 4300 digits"
        noticed = text.count("\n", 0, digits.start()) + 1 if digits else None
    found = _open_value(lines, noticed or len(lines) + 1)
    if found is not None:
        if noticed is not None and noticed != found[0]:
            message += f" (the value is still open at line {noticed})"
    elif noticed is not None:
        found = _toml_name_at(lines, noticed, back=False)
    else:  # at the end of the document, with every value closed
        found = _toml_name_at(lines, len(lines), back=True)
    line = found[0] if found else noticed
    where = f"{path}:{line}" if line else str(path)
    name = f" in {found[1]}" if found else ""
    return ConfigError(f"{where}: invalid TOML{name}: {message}")


def _toml_too_deep(path: Path, text: str) -> ConfigError:
    """tomllib recurses once per nested array or inline table, and raises RecursionError some
    hundreds deep: named like any broken TOML, at the line where 32 levels open (no key here
    takes more than two)."""
    deep = re.search(r"(?:[\[{][^\[\]{}\n]*){32}", text)
    line = text.count("\n", 0, deep.start()) + 1 if deep else None
    found = _toml_name_at(text.splitlines(), line, back=True) if line else None
    where = f"{path}:{found[0] if found else line}" if line else str(path)
    name = f" in {found[1]}" if found else ""
    return ConfigError(f"{where}: invalid TOML{name}: arrays or inline tables nested too deeply")


_TOML_HEADER = r"^\s*\[\[?\s*([A-Za-z0-9_.\- ]+?)\s*\]?\]"
_TOML_KEY = r"^\s*([A-Za-z0-9_\-]+)\s*="


def _open_value(lines: list[str], line: int) -> tuple[int, str] | None:
    """The key whose value (an array, an inline table, a multi-line string) is still open at
    the start of ``line`` (1-based), as (its line, ``section.key``); None when none is."""
    section: str | None = None
    key: str | None = None
    opened = depth = 0
    quote = ""  # the delimiter of the string being read
    for number, content in enumerate(lines[:line - 1], start=1):
        i = 0
        if not depth and not quote:
            header = re.match(_TOML_HEADER, content)
            if header:
                section, key = header.group(1).strip(), None
                continue
            declared = re.match(_TOML_KEY, content)
            if declared is None:
                continue
            key, opened, i = declared.group(1), number, declared.end()
        while i < len(content):
            char = content[i]
            if quote:
                if quote[0] == '"' and char == "\\":
                    i += 1  # an escaped character, a quote among them
                elif content.startswith(quote, i):
                    i, quote = i + len(quote) - 1, ""
            elif char == "#":
                break
            elif content.startswith(('"""', "'''"), i):
                quote, i = content[i:i + 3], i + 2
            elif char in "\"'":
                quote = char
            elif char in "[{":
                depth += 1
            elif char in "]}":
                depth = max(depth - 1, 0)
            i += 1
        if len(quote) == 1:
            quote = ""  # a one-line string ends with its line (tomllib says so on that line)
    if (depth or quote) and key is not None:
        return opened, f"{section}.{key}" if section else key
    return None


def _toml_name_at(lines: list[str], line: int, *, back: bool) -> tuple[int, str] | None:
    """What broken TOML was declaring: (line, ``section.key`` or ``[section]``) on ``line``
    (1-based), or with ``back`` on the last line at or before it that declares one."""
    for number in range(min(line, len(lines)), 0, -1):
        text = lines[number - 1]
        header = re.match(_TOML_HEADER, text)
        if header:
            return number, f"[{header.group(1).strip()}]"
        key = re.match(_TOML_KEY, text)
        if key:
            section = None
            for above in reversed(lines[:number - 1]):
                found = re.match(_TOML_HEADER, above)
                if found:
                    section = found.group(1).strip()
                    break
            return number, f"{section}.{key.group(1)}" if section else key.group(1)
        if not back:
            return None
    return None


def find_config(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path | None:
    """The config file that applies, following the documented lookup order."""
    if explicit is not None:
        if not os.fspath(explicit):
            raise ConfigError("--config: expected a file path, got an empty string")
        return Path(explicit).expanduser()
    env = os.environ.get("ODDSMON_CONFIG", "")
    if env:
        return Path(env).expanduser()
    local = (cwd or Path.cwd()) / "oddsmon.toml"
    if local.is_file():
        return local
    xdg = _xdg("XDG_CONFIG_HOME", ".config") / "oddsmon" / "oddsmon.toml"
    if xdg.is_file():
        return xdg
    # The XDG base directory spec: $XDG_CONFIG_DIRS, ':'-separated, most important first,
    # relative entries ignored, /etc/xdg when unset or empty.
    dirs = [d for d in os.environ.get("XDG_CONFIG_DIRS", "").split(":") if os.path.isabs(d)]
    for base in dirs or ["/etc/xdg"]:
        candidate = Path(base) / "oddsmon" / "oddsmon.toml"
        if candidate.is_file():
            return candidate
    if SYSTEM_CONFIG.is_file():
        return SYSTEM_CONFIG
    return None


def load(explicit: str | os.PathLike[str] | None = None) -> Settings:
    """Settings from the file the lookup order finds, else the built-in defaults."""
    path = find_config(explicit)
    return Settings() if path is None else load_file(path)


def to_toml_dict(settings: Settings) -> dict[str, Any]:
    """Settings as plain TOML data (``None`` values are left out: TOML has no null)."""
    out: dict[str, Any] = {}
    for section, keys in _KEYS.items():
        obj = getattr(settings, section)
        table: dict[str, Any] = {}
        for key, spec in keys.items():
            value = getattr(obj, key)
            if value is None:
                continue
            if spec.to_toml is not None:
                value = spec.to_toml(value)
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            table[key] = value
        out[section] = table
    return out


def render_commented(settings: Settings) -> str:
    """Settings as TOML written by tomli-w, with each key's documentation above it."""
    import tomli_w

    out = ["# oddsmon configuration. Lookup order: --config, $ODDSMON_CONFIG, ./oddsmon.toml,",
           "# $XDG_CONFIG_HOME/oddsmon/oddsmon.toml, $XDG_CONFIG_DIRS (/etc/xdg)/oddsmon/oddsmon.toml,",
           "# /etc/oddsmon/oddsmon.toml, else built-in defaults.", ""]
    for section, table in to_toml_dict(settings).items():
        out.append(f"[{section}]")
        for key, value in table.items():
            out.append(f"# {KEY_DOCS[section][key]}")
            if isinstance(value, dict):  # an inline table, so it stays inside [section]
                out.append(f"{key} = {{ {', '.join(f'{k} = {v}' for k, v in value.items())} }}")
                continue
            out.append(tomli_w.dumps({key: value}).rstrip("\n"))
        out.append("")
    return "\n".join(out)


def write_default(path: Path) -> None:
    """``--init-config``: the built-in defaults with comments; never replaces an existing file."""
    text = render_commented(Settings())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        # link() refuses an existing target atomically, so a concurrent writer or an existing
        # file is never clobbered, and readers never see a half-written file.
        os.link(tmp, path)
    except FileExistsError:
        raise ConfigError(f"{path}: already exists; not overwriting it") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
