"""The real-worker fixtures of tests/jobs, for the staff retries that run to completion."""

from tests.jobs.conftest import fast_jobs, private_redis, workers  # noqa: F401
