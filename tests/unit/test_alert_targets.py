"""What each kind of webhook receives for a digest, which body a URL gets, how a webhook URL
is accepted and shown, and the one drop threshold."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oddsmon.alerts import Alert, digest, drop_alert, mode_alert
from oddsmon.alerts.targets import render, resolve
from oddsmon.config import ConfigError, load_file, mask_url
from oddsmon.domain.market import PriceDrop

T0 = datetime(2026, 11, 24, 13, 5, tzinfo=UTC)
BOOKS = ("Bet365", "Unibet", "Pinnacle", "1xBet", "Marathonbet", "Betfair", "Bwin", "William Hill")


def market_move(fixtures: int) -> list[Alert]:
    """Every 1X2 and Over/Under 2.5 price of ``fixtures`` matches shortening at 8 bookmakers."""
    return [drop_alert(PriceDrop(1380000 + f, b + 1, bet, outcome, 2.0 + b / 100, 1.7, T0), f"Home{f} v Away{f}", book)
            for f in range(fixtures) for b, book in enumerate(BOOKS)
            for bet, outcome in ((1, "Home"), (1, "Draw"), (1, "Away"), (5, "Over 2.5"), (5, "Under 2.5"))]


def test_a_market_wide_move_is_one_digest_naming_each_move_and_counting_the_rest() -> None:
    alerts = market_move(4)  # 4 matches x 5 outcomes x 8 bookmakers
    d = digest(alerts)
    lines = d.text().splitlines()
    assert lines[0] == "oddsmon: 160 drops (20 moves on 4 matches)"
    assert len(d.lines) == 10 and d.more == 10 and lines[-1] == "and 10 more"
    over = next(line for line in lines if "Over 2.5" in line)
    assert over.startswith("- Home") and " v Away" in over and "Goals Over/Under Over 2.5: " in over
    assert over.count("->") == 8 and "Bet365 2.00->1.70" in over and "(8 bookmakers, up to -" in over
    assert {a.line for a in alerts if a.market == "Goals Over/Under"} == {"2.5"}
    # A target's limit cuts whole moves, counted among the rest.
    short = d.text(600)
    assert len(short) <= 600 and short.splitlines()[-1].startswith("and ") and short.count("\n- ") < 10


def test_offline_comes_first_and_one_alert_is_its_own_text() -> None:
    offline = mode_alert(3, T0, True, "key", "the provider refuses the key")
    d = digest([*market_move(1)[:2], offline])
    assert d.text().splitlines()[1] == "- oddsmon is OFFLINE (key): the provider refuses the key" and d.urgent
    assert digest([offline]).text() == "oddsmon is OFFLINE (key): the provider refuses the key"


@pytest.mark.parametrize(("url", "fmt"), [
    ("https://hooks.slack.com/services/T0/B0/xyz", "slack"),
    ("https://discord.com/api/webhooks/1/tok", "discord"),
    ("https://acme.webhook.office.com/webhookb2/abc@def/IncomingWebhook/1/2", "teams"),
    ("https://prod-01.westeurope.logic.azure.com:443/workflows/1/triggers/manual/paths/invoke?sig=s", "teams"),
    ("https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t", "google_chat"),
    ("https://ntfy.sh/oddsmon-alerts", "ntfy"),
    ("http://alertmanager:9093/api/v2/alerts", "alertmanager"),
    ("https://example.org/hook", "json"),
])
def test_auto_picks_the_body_from_the_host(url: str, fmt: str) -> None:
    assert resolve("auto", url) == fmt
    assert resolve("json", url) == "json"


def _body(fmt: str, alerts: list[Alert], url: str = "https://example.org/hook") -> tuple[dict[str, str], object]:
    headers, raw = render(fmt, url, digest(alerts))
    return headers, raw.decode() if fmt == "ntfy" else json.loads(raw)


def test_each_target_gets_its_own_shape() -> None:
    alerts = market_move(3)
    text = digest(alerts).text()
    assert _body("slack", alerts)[1] == {"text": text}
    assert _body("google_chat", alerts)[1] == {"text": text}
    discord = _body("discord", alerts)[1]
    assert isinstance(discord, dict) and set(discord) == {"content"} and len(discord["content"]) <= 2000
    teams = _body("teams", alerts)[1]
    assert isinstance(teams, dict) and teams["type"] == "message"
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard" and card["content"]["body"][0]["text"] == text.splitlines()[0]
    headers, ntfy = _body("ntfy", [*alerts, mode_alert(1, T0, True, "network", "cut")])
    assert headers["priority"] == "urgent" and headers["title"].startswith("oddsmon: ")
    assert isinstance(ntfy, str) and ntfy.startswith("oddsmon: 1 offline, 120 drops")
    generic = _body("json", alerts)[1]
    assert isinstance(generic, dict) and generic["count"] == 120 and len(generic["alerts"]) == 120
    assert generic["alerts"][0]["market"] == "Match Winner" and generic["alerts"][0]["key"].startswith("drop:")


def test_alertmanager_gets_its_webhook_body_or_its_api_list() -> None:
    alerts = [mode_alert(1, T0, True, "quota", None), *market_move(1)[:2]]
    body = _body("alertmanager", alerts, "https://receiver.example/alerts")[1]
    assert isinstance(body, dict) and body["version"] == "4" and body["status"] == "firing"
    first = body["alerts"][0]
    assert first["labels"]["alertname"] == "OddsmonOffline" and first["labels"]["severity"] == "critical"
    assert first["startsAt"] == "2026-11-24T13:05:00Z" and first["annotations"]["summary"].startswith("oddsmon is")
    assert body["alerts"][1]["labels"]["market"] == "Match Winner"
    api = _body("alertmanager", alerts, "http://am:9093/api/v2/alerts")[1]
    assert isinstance(api, list) and set(api[0]) == {"labels", "annotations", "startsAt"}


def test_a_webhook_url_with_a_query_is_accepted_and_shown_masked(tmp_path: Path) -> None:
    url = "https://chat.googleapis.com/v1/spaces/AAA/messages?key=KKK&token=TTT"
    assert mask_url(url) == "https://chat.googleapis.com/********?key=********&token=********"
    assert mask_url("https://ntfy.sh/my-secret-topic") == "https://ntfy.sh/********"
    path = tmp_path / "oddsmon.toml"
    path.write_text(f'[alerts]\nwebhook_url = "{url}"\n')
    assert load_file(path).alerts.webhook_url == url
    path.write_text(f'[alerts]\nwebhook_url = "{url}#frag"\n')
    with pytest.raises(ConfigError) as bad:
        load_file(path)
    assert "oddsmon.toml:2: alerts.webhook_url" in str(bad.value) and "TTT" not in str(bad.value)


def test_the_old_second_drop_threshold_is_refused_saying_where_it_went(tmp_path: Path) -> None:
    path = tmp_path / "oddsmon.toml"
    path.write_text("[alerts]\nmin_interval_s = 5.0\ndrop_pct = 12.0\n")
    with pytest.raises(ConfigError, match=r"oddsmon.toml:3: alerts.drop_pct: removed: one drop threshold, "
                                          r"odds.drop_alert_pct"):
        load_file(path)
