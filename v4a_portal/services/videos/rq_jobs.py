"""The RQ jobs of videos: their ids, retry policy, lease key and enqueueing.

RQ job ids are `video-{id}-{round}`: round 1 is enqueued by the request, and the sweep moves
an orphaned video to the next round (the row's `rq_job_id` holds the current one). A job of
an older round that RQ itself retries later finds itself superseded and does nothing.
"""

from __future__ import annotations

import os
import socket
import uuid
from typing import cast

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from sqlalchemy import select
from sqlmodel import Session, col

from v4a_portal.models import User
from v4a_portal.services import catalog, queues
from v4a_portal.services.errors import InvalidInput
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.settings import get_settings

# A model switched off since the request still gets a job, which fails it cleanly.
FALLBACK_TIMEOUT = 600


def rq_job_id(video_id: int, round_: int = 1) -> str:
    return f"video-{video_id}-{round_}"


def next_rq_job_id(video_id: int, current: str | None) -> str:
    try:
        round_ = int((current or "").rsplit("-", 1)[1])
    except (IndexError, ValueError):
        round_ = 0
    return rq_job_id(video_id, round_ + 1)


def has_priority(session: Session, user_id: int) -> bool:
    """Whether the user's videos go on the priority queue: subscribers' do."""
    return bool(
        session.execute(select(col(User.is_subscriber)).where(col(User.id) == user_id)).scalar()
    )


def lease_key(video_id: int) -> str:
    """The Redis lock a running RQ job holds (and renews) for its video."""
    return f"v4a:video:{video_id}:lease"


def lease_token() -> str:
    """A lease's value: who holds it (host and pid) and a unique part for redis-py's lock."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


def lease_holder_gone(token: bytes | str | None) -> bool:
    """Whether the lease's holder is a process of this machine that no longer runs (SIGKILL,
    a crash): its lease is stale now, not only when it lapses. Unknown holders (another
    machine, an older token) are never judged here: their lease lapses in time."""
    if token is None:
        return False
    text = token.decode(errors="replace") if isinstance(token, bytes) else token
    host, _, rest = text.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def in_flight_key(host: str, pid: int) -> str:
    """The clips a worker process (its host and pid, as RQ records them) carries in flight,
    a Redis set its in-flight watcher rewrites as they change and lets lapse if it dies."""
    return f"v4a:in-flight:{host}:{pid}"


def record_in_flight(conn: Redis, video_ids: list[int], seconds: int) -> None:
    key = in_flight_key(socket.gethostname(), os.getpid())
    pipe = conn.pipeline()
    pipe.delete(key)
    if video_ids:
        pipe.sadd(key, *video_ids)
        pipe.expire(key, seconds)
    pipe.execute()


def in_flight(conn: Redis, host: str, pid: int) -> list[int]:
    members = cast(set[bytes], conn.smembers(in_flight_key(host, pid)))
    return sorted(int(m) for m in members)


def retry_policy() -> Retry:
    s = get_settings()
    backoff = [s.video_retry_seconds * 3**i for i in range(s.video_retries)]
    return Retry(max=s.video_retries, interval=backoff)


def enqueue(
    video_id: int,
    job_id: str,
    model_id: str,
    conn: Redis | None = None,
    *,
    priority: bool = False,
) -> bool:
    """Put the video's RQ job on its queue (`priority`: a subscriber's, served first); False
    when a job with this id already exists."""
    try:
        timeout = catalog.get(model_id).timeout_seconds
    except InvalidInput:
        timeout = FALLBACK_TIMEOUT
    queue = Queue(queues.videos_queue(priority), connection=conn or get_redis())
    try:
        queue.enqueue_call(
            queues.GENERATE_VIDEO,
            args=(video_id,),
            job_id=job_id,
            timeout=timeout,
            retry=retry_policy(),
            result_ttl=3600,
            failure_ttl=7 * 86400,
            description=f"video {video_id}",
            unique=True,
        )
    except DuplicateJobError:
        return False
    return True
