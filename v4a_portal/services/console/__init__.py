"""Staff actions (credit adjustments, refunds, retries, account actions): each takes the acting
staff user first, asks `services.permissions`, and writes its audit row in its own
transaction."""
