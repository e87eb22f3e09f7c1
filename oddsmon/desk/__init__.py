"""The analyst's desk, headless: the odds history out as data (``--export-odds``) and the pick
log with closing line value (``--picks``). Reads the shared store only; never imports Textual
or httpx, and sends nothing anywhere."""
