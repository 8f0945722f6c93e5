"""Runs NICEPAY's official Python client (python-nicepay, unmodified) through one merchant scenario.

Executed by the contract test with the client's own virtualenv interpreter, never imported by the
suite. It reads its settings as JSON on stdin, configures the client only through the client's own
setters and builders, and writes one JSON document to stdout:
{"steps": [{"name", "request", "response" | "error"}, ...]}.

The client logs to the root logger (stderr); its inquiry service returns nothing and only logs the
answer, so the answer is read back from that log record.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
from datetime import datetime
from typing import Any

from python_nicepay.constants.constantsGeneral import ConstantsGeneral
from python_nicepay.data.builder import builderEnvironment
from python_nicepay.data.builder.v2.enterprise import (
    builderCancel,
    builderCartData,
    builderEwallet,
    builderInquiry,
    builderPayloan,
    builderSellers,
)
from python_nicepay.data.builder.v2.enterprise.dataGenerator import DataGenerator
from python_nicepay.service.v2EnterpriseService import ServiceNicepay

ANSI = re.compile(r"\x1b\[[0-9;]*m")
RESPONSE_PREFIX = "Response Data : "


class ClientLog(logging.Handler):
    """Keeps the client's log lines so that a service that only logs its answer can be read."""

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


def ewallet_registration(mitra: str, amt: int) -> dict[str, Any]:
    item = {
        "img_url": "http://127.0.0.1/static/img/goods.png",
        "goods_name": "Contract test goods",
        "goods_detail": "ShopeePay contract item",
        "goods_amt": amt,
        "goods_quantity": "1",
    }
    cart = builderCartData.BuildCartData().setCount("1").setItem(item).build()
    body = (
        builderEwallet.BuildEwallet()
        .setPayMethod(ConstantsGeneral.getPayMethodEWallet())
        .setMitraCd(mitra)
        .setUserIp(ConstantsGeneral.getUserIp())
        .setAmt(amt)
        .build()
    )
    return DataGenerator.getTransactionBody(body.jsonEwallet(), cart.jsonCartData())


def payloan_registration(mitra: str, unit_price: int, quantity: int) -> dict[str, Any]:
    """Payloan body: the client adds billing and delivery fields; one cart line of quantity x price."""
    amt = unit_price * quantity
    item = {
        "goods_id": "GOODS001",
        "goods_name": "Contract test goods",
        "goods_detail": "Kredivo contract item",
        "goods_amt": str(unit_price),
        "goods_quantity": str(quantity),
        "goods_type": "others",
        "goods_url": "http://127.0.0.1/goods/001",
        "goods_sellers_id": "SEL123",
        "goods_sellers_name": "Sellers",
    }
    address = {
        "sellerNm": "Sellers",
        "sellerLastNm": "One",
        "sellerAddr": "Jln. Jend. Sudirman",
        "sellerCity": "Central Jakarta",
        "sellerPostCd": "10202",
        "sellerCountry": "Indonesia",
        "sellerPhone": "08123456789",
    }
    cart = builderCartData.BuildCartData().setCount("1").setItem(item).build()
    sellers = (
        builderSellers.BuildSeller()
        .setSellerId("SEL123")
        .setSellerNm("Sellers")
        .setSellerEmail("sellers@example.com")
        .setSellerUrl("http://127.0.0.1/sellers")
        .setSellerAddress(address)
        .build()
    )
    body = (
        builderPayloan.BuildPayloan()
        .setPayMethod(ConstantsGeneral.getPayMethodPayloan())
        .setInstmntType("1")
        .setInstmntMon("1")
        .setMitraCd(mitra)
        .setAmt(amt)
        .build()
    )
    return DataGenerator.getPayloanBody(body.jsonPayloan(), cart.jsonCartData(), sellers.jsonSellers())


def inquiry(txid: str, reference_no: str, amt: str) -> dict[str, Any]:
    body = builderInquiry.BuildInquiry().setTxid(txid).setReferenceNo(reference_no).setAmt(amt).build()
    return DataGenerator.getInquiryBody(body.jsonInquiry())


def cancel(pay_method: str, txid: str, reference_no: str, amt: str) -> dict[str, Any]:
    body = (
        builderCancel.BuildCancel()
        .setPayMethod(pay_method)
        .setTxid(txid)
        .setReferenceNo(reference_no)
        .setCancelUserId("Admin")
        .setCancelType("1")
        .setCancelMsg("Contract test cancellation")
        .setAmt(amt)
        .build()
    )
    return DataGenerator.getCancelBody(body.jsonCancel())


def _now_stamp() -> str:
    """The client's own timeStamp format (local time, which the test sets to Asia/Jakarta)."""
    return datetime.now().strftime("%Y%m%d%H%M%S")


class Scenario:
    def __init__(self, environment: Any, log: ClientLog) -> None:
        self.environment = environment
        self.log = log
        self.steps: list[dict[str, Any]] = []
        self.used_stamps: set[str] = set()

    def run(self, name: str, build: Any, call: Any) -> dict[str, Any] | None:
        """One client call; the request as built, and the answer or the client's exception."""
        step: dict[str, Any] = {"name": name}
        self.steps.append(step)
        try:
            request = build()
            step["request"] = request
            self.log.lines.clear()
            step["response"] = call(request)
        except Exception:  # noqa: BLE001 - reported to the test, which fails with the details
            step["error"] = traceback.format_exc(limit=3)
            step["log"] = self.log.lines[-5:]
            return None
        return step["response"]

    def register(self, name: str, build: Any) -> dict[str, Any] | None:
        # The client makes referenceNo "OrdNo" + timeStamp (seconds); a merchant's referenceNo must be
        # unique, so two registrations may not share a second.
        while _now_stamp() in self.used_stamps:
            time.sleep(0.05)
        # serviceRequest answers the response re-serialised as a JSON string
        answer = self.run(
            name, build, lambda req: json.loads(ServiceNicepay.serviceRequest(req, self.environment))
        )
        self.used_stamps.add(self.steps[-1].get("request", {}).get("timeStamp", ""))
        return answer

    def inquire(self, name: str, registered: dict[str, Any] | None, amt: str) -> None:
        if not registered or not registered.get("tXid"):
            self.steps.append({"name": name, "error": "not run: the registration gave no tXid"})
            return

        def call(req: dict[str, Any]) -> Any:
            ServiceNicepay.serviceInquiry(req, self.environment)  # returns None; the answer is logged
            return self.log.last_response()

        self.run(name, lambda: inquiry(registered["tXid"], registered["referenceNo"], amt), call)

    def cancel(self, name: str, registered: dict[str, Any] | None, pay_method: str, amt: str) -> None:
        if not registered or not registered.get("tXid"):
            self.steps.append({"name": name, "error": "not run: the registration gave no tXid"})
            return
        self.run(
            name,
            lambda: cancel(pay_method, registered["tXid"], registered["referenceNo"], amt),
            lambda req: ServiceNicepay.serviceCancel(req, self.environment),
        )


def main() -> None:
    cfg = json.load(sys.stdin)
    log = ClientLog()
    logging.getLogger().addHandler(log)

    # The client's own configuration API: the sandbox host, then the merchant's iMid/key/URLs.
    ConstantsGeneral.setSandboxBaseUrl(cfg["host"])
    ConstantsGeneral.setNonSnapConfiguration(
        cfg["imid"], cfg["merchant_key"], cfg["db_process_url"], cfg["callback_url"]
    )
    environment = builderEnvironment.BuildEnvironment().isCloud(False).isProduction(False).build()

    s = Scenario(environment, log)
    ewallet_amt = cfg["ewallet_amt"]
    unit, qty = cfg["payloan_unit_price"], cfg["payloan_quantity"]

    eshp = s.register("ESHP registration", lambda: ewallet_registration("ESHP", ewallet_amt))
    s.inquire("ESHP inquiry", eshp, str(ewallet_amt))
    kdvi = s.register("KDVI registration", lambda: payloan_registration("KDVI", unit, qty))
    s.inquire("KDVI inquiry", kdvi, str(unit * qty))
    s.cancel("ESHP cancel", eshp, ConstantsGeneral.getPayMethodEWallet(), str(ewallet_amt))
    s.inquire("ESHP inquiry after cancel", eshp, str(ewallet_amt))
    s.cancel("KDVI cancel", kdvi, ConstantsGeneral.getPayMethodPayloan(), str(unit * qty))
    s.inquire("KDVI inquiry after cancel", kdvi, str(unit * qty))

    # The process clock the client stamped with: local wall time and its UTC offset (from TZ).
    clock = {"local": _now_stamp(), "utcoffset": time.strftime("%z")}
    json.dump({"steps": s.steps, "clock": clock}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
