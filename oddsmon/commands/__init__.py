"""Headless command bodies (``oddsmon --selftest`` ...): they build an engine and run it once,
print for a person or a script, and never import Textual."""
