"""Headless command bodies (``oddsmon --check``, ``--warm``, ``--collect`` ...), one module each,
declared in ``registry.py``: they build an engine or open the store, run once, print for a
person or a script, and never import Textual."""
