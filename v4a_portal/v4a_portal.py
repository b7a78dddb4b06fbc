"""The Reflex app: rx.App on the portal's FastAPI app; the pages register themselves."""

import reflex as rx

from v4a_portal import pages  # noqa: F401  (importing registers every page)
from v4a_portal.api.app import create_api
from v4a_portal.state import redis_lock

# With the tabs' state in Redis (several web processes), a cancelled event must not leave
# its tab's lock behind for the whole expiry (see state/redis_lock.py).
redis_lock.install()

# The theme lives in rxconfig.py (RadixThemesPlugin).
app = rx.App(api_transformer=create_api())
# /_event answers CORS through Reflex's Starlette middleware (rxconfig's origins); the socket
# server's own CORS headers would say it a second time. Its Origin check is
# api/origin_check.py's, at the handshake, like every other path's.
if app.sio is not None:
    app.sio.eio.cors_allowed_origins = []
