"""E-mails the running stack wrote with Django's file backend (one file per connection)."""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path


def messages(stack) -> list[email.message.EmailMessage]:  # noqa: ANN001
    folder = Path(stack.env["EMAIL_FILE_PATH"])
    out = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime):
        # The file backend separates messages with a line of 79 dashes.
        for chunk in re.split(r"\n-{79}\n", path.read_text(encoding="utf-8")):
            if chunk.strip():
                out.append(email.message_from_string(chunk.strip() + "\n", policy=email.policy.default))
    return out


def wait_for_link(stack, to: str, pattern: str, timeout: float = 10.0) -> str:  # noqa: ANN001
    """The first link matching `pattern` in the newest e-mail to `to`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(messages(stack)):
            if to in str(message["To"]):
                found = re.search(pattern, message.get_content())
                if found:
                    return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no e-mail to {to} with {pattern}")
