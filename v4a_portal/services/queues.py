"""RQ queue names and the job functions enqueued on them, by reference string.

Services enqueue by string so they never import `jobs` (which imports services); the
worker listens to `ALL` in that order, so maintenance is served first.
"""

from __future__ import annotations

MAINTENANCE = "maintenance"
VIDEOS = "videos"
DEFAULT = "default"
ALL = (MAINTENANCE, VIDEOS, DEFAULT)

GENERATE_VIDEO = "jobs.video.generate_video"
MAINTENANCE_SWEEP = "jobs.maintenance.sweep"
