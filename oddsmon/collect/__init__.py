"""``oddsmon --collect``: odds recorded while nobody watches, within a daily call budget.

``scheduler`` decides what is due (pure), ``runner`` runs the cycles over the engine's service
under the one-per-host lease and sends the alerts; what may be spent is ``oddsmon.budget``.
"""
