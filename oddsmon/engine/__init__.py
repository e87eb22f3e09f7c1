"""The engine: reading pages (cache, fetch, stale), recording what arrives, warming, and the one
owner that runs every call on the engine's thread. Never imports Textual."""
