"""The Reflex app: rx.App on the portal's FastAPI app; the pages register themselves."""

import reflex as rx

from v4a_portal import pages  # noqa: F401  (importing registers every page)
from v4a_portal.api.app import create_api

# The theme lives in rxconfig.py (RadixThemesPlugin).
app = rx.App(api_transformer=create_api())
