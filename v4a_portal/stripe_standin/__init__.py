"""A local stand-in for the part of Stripe the portal uses, so buying works with no keys.

A real HTTP server that the real `stripe` SDK talks to (`StripeClient(key,
base_addresses={"api": url})`): customers, Checkout Sessions, billing portal sessions,
subscriptions, invoices, payment intents, charges, refunds and disputes, kept in memory.
It serves a hosted checkout page (Pay / Decline) and a portal page (change plan, cancel),
and delivers events signed like Stripe's to the portal's webhook, at least once, retrying
on failure. Its objects are Stripe's own example objects (fixtures.json, from Stripe's
OpenAPI repository) filled in with the case's ids and amounts.
"""
