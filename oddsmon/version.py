"""oddsmon's version, for ``--version``, the metrics and the store (which records the oddsmon
that set its schema). A leaf: the store reads it without importing the package's API."""

__version__ = "0.1.0"
