"""List AstraPay account links, or revoke one (unbinds at AstraPay, then refuses its payments).

manage.py astrapay_links list [--imid IONPAYTEST] [--state linked]
manage.py astrapay_links revoke <mandateID>
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from payments.exceptions import ApplicationError
from payments.models import AccountLink
from payments.selectors.links import account_link_get, account_links_list
from payments.services.linking import account_link_revoke


class Command(BaseCommand):
    help = "List or revoke AstraPay account links."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ls = sub.add_parser("list", help="list links, newest first")
        ls.add_argument("--imid", help="only this merchant")
        ls.add_argument("--state", choices=[s.value for s in AccountLink.State], help="only this state")
        rv = sub.add_parser("revoke", help="unlink one mandate")
        rv.add_argument("mandate_id")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "list":
            links = account_links_list(imid=opts.get("imid"), state=opts.get("state"))
            self.stdout.write(f"{'mandateID':<32} {'iMid':<10} {'state':<8} {'referenceNo':<24} phone")
            for link in links:
                phone = f"{link.billing_phone[:4]}…{link.billing_phone[-3:]}" if link.billing_phone else ""
                self.stdout.write(
                    f"{link.mandate_id:<32} {link.merchant.imid:<10} {link.state:<8} "
                    f"{link.reference_no:<24} {phone}"
                )
            return
        link = account_link_get(mandate_id=opts["mandate_id"])
        if link is None:
            raise CommandError(f"no account link {opts['mandate_id']}")
        try:
            link = account_link_revoke(link=link)
        except ApplicationError as exc:
            raise CommandError(exc.message)
        self.stdout.write(self.style.SUCCESS(f"{link.mandate_id} is {link.state}"))
