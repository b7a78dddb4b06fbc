"""Reflex states: what each page shows and the events it sends; they call services."""
