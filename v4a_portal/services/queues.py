"""RQ queue names and the job functions enqueued on them, by reference string.

Services enqueue by string so they never import `jobs` (which imports services); the
worker listens to `ALL` in that order, so maintenance is served first.
"""

from __future__ import annotations

MAINTENANCE = "maintenance"
VIDEOS_PRIORITY = "videos-priority"  # subscribers' videos: served before the others
VIDEOS = "videos"
DEFAULT = "default"
ALL = (MAINTENANCE, VIDEOS_PRIORITY, VIDEOS, DEFAULT)


def videos_queue(priority: bool) -> str:
    """The queue a video's RQ job goes on: subscribers' first (workers serve `ALL` in
    order, so a priority job waits only for the maintenance sweep)."""
    return VIDEOS_PRIORITY if priority else VIDEOS


GENERATE_VIDEO = "jobs.video.generate_video"
MAINTENANCE_SWEEP = "jobs.maintenance.sweep"
