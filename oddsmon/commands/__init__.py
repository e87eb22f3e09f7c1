"""Headless command bodies (``oddsmon --check``, ``--selftest`` ...): they build an engine or
open the store, run once, print for a person or a script, and never import Textual."""
