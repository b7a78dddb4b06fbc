"""Worker entry: `python -m jobs.worker` runs an RQ worker on the portal's queues."""

from __future__ import annotations

from rq import Queue, Worker

from v4a_portal.services.redis_conn import get_redis

QUEUES = ("default",)


def main() -> None:
    conn = get_redis()
    queues = [Queue(name, connection=conn) for name in QUEUES]
    Worker(queues, connection=conn).work(with_scheduler=True)


if __name__ == "__main__":
    main()
