"""``oddsmon --collect``: odds recorded while nobody watches, within a daily call budget.

``scheduler`` decides what is due (pure), ``budget`` what may be spent, ``runner`` runs the
cycles under the one-per-host lease and sends the alerts.
"""
