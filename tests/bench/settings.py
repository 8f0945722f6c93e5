"""Settings for make bench: production settings plus the bench-only baseline app and its URLs."""

from payloan_site.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.bench.baseline"]  # noqa: F405
ROOT_URLCONF = "tests.bench.urls"
# The baseline is a machine-to-machine path like the V2 API: the same middleware for both sides.
MACHINE_PATHS = (*MACHINE_PATHS, "/bench/")  # noqa: F405
