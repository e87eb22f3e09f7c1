"""Supervision reports: metrics snapshot, health rules, export, recovery check, incident journal."""
