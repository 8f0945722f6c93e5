"""Runs NICEPAY's official Python client (python-nicepay, unmodified) through its V2
"Professional" (redirect / API Checkout) service: one registration with payMethod 00 per run of
`count`, each followed by the client's own redirect to the payment page.

Executed by the contract test with the client's own virtualenv interpreter. Settings arrive as JSON
on stdin; one JSON document goes to stdout: {"steps": [{"name", "request", "response", "url"}]}.
The client opens the payment page with Python's `webbrowser`; the browser registered here only
records the URL (a headless test browser opens it afterwards).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import webbrowser
from datetime import datetime
from typing import Any

from python_nicepay.constants.constantsGeneral import ConstantsGeneral
from python_nicepay.data.builder import builderEnvironment
from python_nicepay.data.builder.v2.professional import builderCartData, builderRequest, builderSellers
from python_nicepay.data.builder.v2.professional.dataGenerator import DataGenerator
from python_nicepay.service.v2ProfessionalService import ServiceNicepay

ANSI = re.compile(r"\x1b\[[0-9;]*m")
RESPONSE_PREFIX = "Response Data   : "


class RecordingBrowser(webbrowser.BaseBrowser):
    """Stands in for the desktop browser the client would open."""

    def __init__(self) -> None:
        super().__init__("recording")
        self.urls: list[str] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.urls.append(url)
        return True


class ClientLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(ANSI.sub("", record.getMessage()))

    def last_response(self) -> Any:
        for line in reversed(self.lines):
            if line.startswith(RESPONSE_PREFIX):
                return json.loads(line[len(RESPONSE_PREFIX) :])
        raise RuntimeError("the client logged no response")


def checkout_body(amt: int) -> dict[str, Any]:
    """As the client's own V2 professional example builds it, with payMethod 00."""
    item = {
        "goods_id": "GOODS001",
        "goods_name": "Contract test goods",
        "goods_detail": "Checkout contract item",
        "goods_amt": amt,
        "goods_quantity": "1",
        "goods_type": "others",
        "goods_url": "http://127.0.0.1/goods/001",
        "goods_sellers_id": "SEL123",
        "goods_sellers_name": "Sellers",
    }
    address = {
        "sellerNm": "SEL123",
        "sellerLastNm": "One",
        "sellerAddr": "Jln.Jend.Sudirman",
        "sellerCity": "Central Jakarta",
        "sellerPostCd": "10202",
        "sellerCountry": "Indonesia",
        "sellerPhone": "08123456789",
    }
    cart = builderCartData.BuildCartData().setCount("1").setItem(item).build()
    sellers = (
        builderSellers.BuildSellers()
        .setSellerId("SEL123")
        .setSellerNm("Sellers")
        .setSellerEmail("sellers@example.com")
        .setSellerUrl("http://127.0.0.1/sellers")
        .setSellerAddress(address)
        .build()
    )
    request = (
        builderRequest.BuildRequest()
        .setPayMethod("00")
        .setInstmntType("1")
        .setInstmntMon("1")
        .setRecurrOpt("1")
        .setBankCd("BRIN")
        .setMitraCd("")
        .setVacctValidDt("")
        .setVacctValidTm("")
        .setMerFixAcctId("")
        .setPayValidDt("")
        .setPayValidTm("")
        .setPaymentExpDt("")
        .setPaymentExpTm("")
        .setAmt(amt)
        .build()
    )
    return DataGenerator.getTransactionBody(request.jsonRequest(), cart.jsonCartData(), sellers.jsonSellers())


def main() -> None:
    cfg = json.load(sys.stdin)
    log = ClientLog()
    logging.getLogger().addHandler(log)
    browser = RecordingBrowser()
    webbrowser.register("recording", None, browser, preferred=True)
    ConstantsGeneral.setSandboxBaseUrl(cfg["host"])
    ConstantsGeneral.setNonSnapConfiguration(
        cfg["imid"], cfg["merchant_key"], cfg["db_process_url"], cfg["callback_url"]
    )
    environment = builderEnvironment.BuildEnvironment().isCloud(False).isProduction(False).build()
    steps: list[dict[str, Any]] = []
    used: set[str] = set()
    for n in range(cfg["count"]):
        # The client makes referenceNo "OrdNo" + timeStamp (seconds): one registration per second.
        while datetime.now().strftime("%Y%m%d%H%M%S") in used:
            time.sleep(0.05)
        step: dict[str, Any] = {"name": f"checkout {n + 1}"}
        steps.append(step)
        try:
            body = checkout_body(cfg["amt"])
            used.add(body["timeStamp"])
            step["request"] = body
            log.lines.clear()
            before = len(browser.urls)
            ServiceNicepay.serviceRedirect(body, environment)
            step["response"] = log.last_response()
            step["url"] = browser.urls[before] if len(browser.urls) > before else None
        except Exception:  # noqa: BLE001 - reported to the test, which fails with the details
            step["error"] = traceback.format_exc(limit=3)
            step["log"] = log.lines[-5:]
    json.dump({"steps": steps}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
