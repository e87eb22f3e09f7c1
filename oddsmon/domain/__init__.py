"""Typed models parsed from API-Football JSON, and odds maths (pure functions)."""
