"""Reusable UI: the page frame, header and small widgets shared by pages."""
