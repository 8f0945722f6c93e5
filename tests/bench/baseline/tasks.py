"""The no-op task the notification delivery rate is compared with: on the same worker and queue, it
only counts itself (one Redis INCR, so the bench can see when all are done)."""

from __future__ import annotations

import redis
from celery import shared_task
from django.conf import settings

_redis = redis.Redis.from_url(settings.REDIS_URL)


@shared_task(name="bench.noop", acks_late=True)
def noop(counter: str) -> None:
    _redis.incr(counter)
