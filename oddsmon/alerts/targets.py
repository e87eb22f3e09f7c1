"""What each kind of webhook reads: the body and headers of one post of a digest.

| format | body |
| --- | --- |
| json | ``text`` and ``content`` (Slack's and Discord's field), ``kind``, ``count``, ``alerts`` (every alert's fields); one alert's fields at the top too |
| slack | ``{"text"}`` (incoming webhooks) |
| discord | ``{"content"}``, at most 2,000 characters |
| teams | a message with one Adaptive Card (Workflows' "when a webhook request is received", and the older connectors) |
| google_chat | ``{"text"}`` (a space's incoming webhook) |
| ntfy | the text as the body of a POST to the topic's URL, ``Title``, ``Priority`` and ``Tags`` headers |
| alertmanager | Alertmanager's webhook body (version 4: what its receivers read); a URL ending in ``/api/v2/alerts`` gets the alert list Alertmanager's API takes |

``auto`` picks the format from the URL's host; json otherwise.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

from ..clock import iso_utc
from .digest import Digest

# Characters a target shows (beyond, the digest counts its lines among "and N more").
_LIMITS = {"discord": 2000, "google_chat": 4000, "ntfy": 3500, "slack": 35000, "teams": 20000}
_AUTO = (
    ("hooks.slack.com", "slack"),
    ("discord.com", "discord"),
    ("discordapp.com", "discord"),
    ("chat.googleapis.com", "google_chat"),
    ("ntfy.sh", "ntfy"),
    (".webhook.office.com", "teams"),
    (".logic.azure.com", "teams"),
    (".powerplatform.com", "teams"),
    (".powerautomate.com", "teams"),
)
_ALERTNAMES = {"drop": "OddsmonPriceDrop", "arbitrage": "OddsmonArbitrage", "value": "OddsmonValueBet",
               "offline": "OddsmonOffline", "online": "OddsmonOnline"}


def resolve(fmt: str, url: str) -> str:
    """The format a webhook gets: the configured one, or for ``auto`` the one its host names."""
    if fmt != "auto":
        return fmt
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for suffix, name in _AUTO:
        if host == suffix.lstrip(".") or host.endswith(suffix if suffix.startswith(".") else "." + suffix):
            return name
    if parts.path.rstrip("/").endswith("/api/v2/alerts"):
        return "alertmanager"
    return "json"


def render(fmt: str, url: str, digest: Digest) -> tuple[dict[str, str], bytes]:
    """(headers, body) of one post of ``digest`` to a webhook of format ``fmt`` (resolved)."""
    text = digest.text(_LIMITS.get(fmt))
    if fmt == "ntfy":
        first = digest.alerts[0]
        headers = {"content-type": "text/plain; charset=utf-8", "title": _header(digest.title),
                   "priority": "urgent" if digest.urgent else "default", "tags": digest.kind}
        if len(digest.alerts) == 1:
            headers["title"] = _header(f"oddsmon: {first.kind}")
        return headers, text.encode("utf-8")
    body: Any
    if fmt == "slack" or fmt == "google_chat":
        body = {"text": text}
    elif fmt == "discord":
        body = {"content": text}
    elif fmt == "teams":
        body = {"type": "message", "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
            "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                        "version": "1.4", "body": [{"type": "TextBlock", "text": line, "wrap": True}
                                                   for line in text.split("\n")]}}]}
    elif fmt == "alertmanager":
        body = _alertmanager(url, digest)
    else:
        body = {"text": text, "content": text[:2000], "kind": digest.kind, "count": len(digest.alerts),
                "alerts": [a.payload() for a in digest.alerts]}
        if len(digest.alerts) == 1:
            body = {**digest.alerts[0].payload(), **body}
    return {"content-type": "application/json"}, json.dumps(body, ensure_ascii=False).encode("utf-8")


def _alertmanager(url: str, digest: Digest) -> Any:
    alerts = []
    for a in digest.alerts:
        labels = {"alertname": _ALERTNAMES.get(a.kind, "Oddsmon"), "service": "oddsmon", "kind": a.kind,
                  "severity": "critical" if a.kind == "offline" else "info"}
        labels.update({k: str(v) for k, v in (("fixture", a.fixture), ("market", a.market), ("line", a.line),
                                               ("outcome", a.outcome), ("bookmaker", a.bookmaker)) if v is not None})
        annotations = {"summary": a.text, **({"match": a.match} if a.match else {}),
                       **({"description": a.reason} if a.reason else {})}
        alerts.append({"status": "firing", "labels": labels, "annotations": annotations,
                       "startsAt": iso_utc(a.at), "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "",
                       "fingerprint": hashlib.sha256(a.key.encode()).hexdigest()[:16]})
    if urlsplit(url).path.rstrip("/").endswith("/api/v2/alerts"):
        return [{k: v for k, v in al.items() if k in ("labels", "annotations", "startsAt")} for al in alerts]
    return {"version": "4", "groupKey": "{}:{service=\"oddsmon\"}", "truncatedAlerts": 0, "status": "firing",
            "receiver": "oddsmon", "groupLabels": {"service": "oddsmon"},
            "commonLabels": {"service": "oddsmon"}, "commonAnnotations": {"summary": digest.title},
            "externalURL": "", "alerts": alerts}


def _header(value: str) -> str:
    # A header is one line of Latin-1; the title keeps what it can.
    return value.encode("latin-1", "replace").decode("latin-1").replace("\n", " ")[:200]
