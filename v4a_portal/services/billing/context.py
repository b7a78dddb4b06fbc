"""What an event handler gets: the transaction its effect goes into, the event's identity
and time, and the way to the user a Stripe object belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from v4a_portal.services.billing.owners import Owners


@dataclass
class Context:
    session: Session
    event_id: str
    event_type: str
    created: int  # the event's `created`, unix seconds
    owners: Owners = field(init=False)

    def __post_init__(self) -> None:
        self.owners = Owners(self.session)
