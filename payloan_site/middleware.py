"""Browser-only middleware, skipped on machine-to-machine paths.

The V2 API and partner notifications are called by servers: no session, no signed-in user, no
flash messages. Each class below is Django's own middleware, unchanged for every other path, and
passes straight through on settings.MACHINE_PATHS (about 0.1 ms a request; see
docs/performance.md). CSRF and X-Frame-Options stay on everywhere (`check --deploy` wants Django's
own clickjacking middleware, and it costs next to nothing); the views under these paths are
csrf_exempt by design, and tests/payments/test_machine_paths.py checks that every one is."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as _Auth
from django.contrib.messages.middleware import MessageMiddleware as _Messages
from django.contrib.sessions.middleware import SessionMiddleware as _Sessions
from django.http import HttpRequest, HttpResponse


def is_machine_path(path: str) -> bool:
    return path.startswith(settings.MACHINE_PATHS)


class _BrowserOnly:
    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_machine_path(request.path_info):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_BrowserOnly, _Sessions):
    pass


class AuthenticationMiddleware(_BrowserOnly, _Auth):
    pass


class MessageMiddleware(_BrowserOnly, _Messages):
    pass
