import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payloan_site.settings")

app = Celery("payloan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _reuse_db_connection(sender=None, **_: object) -> None:  # noqa: ANN001
    """A task treats its DB connection as a web request does: reused while younger than
    CONN_MAX_AGE and usable, otherwise closed (CELERY_DB_REUSE_MAX keeps Celery's own fixup from
    closing it after every task). Runs in the thread that runs the task, whose connection it is.
    An eager task runs inside its caller's request or transaction: its connection is left alone."""
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
