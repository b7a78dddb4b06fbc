"""Staff actions (credit adjustments, refunds, retries, cancels, account actions) and the
audit log's reads. Each action takes a `StaffContext` first, asks `services.permissions`
itself and writes exactly one audit row in the same transaction as its effect."""
