"""Runs NICEPAY's official Python client (python-nicepay, unmodified) through SNAP e-wallet calls.

Executed by the contract test with the client's own virtualenv interpreter, never imported by the
suite. Settings come as JSON on stdin; the client is configured only through its own setters
(setSnapConfiguration, setSandboxBaseUrl) and builders. Writes one JSON document to stdout:
{"steps": [{"name", "request", "response" | "error", "token"}, ...]}.

serviceTransaction returns None and only logs the answer ("<infoClass> - Response : {...}"), and it
asks for a fresh access token first, logged the same way: both are read back from the log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
from typing import Any

from python_nicepay.constants.constantsEndpoint import ConstantsEndpoints
from python_nicepay.constants.constantsGeneral import ConstantsGeneral
from python_nicepay.data.builder import builderEnvironment
from python_nicepay.data.builder.snap import builderAccessToken, builderDirectDebit
from python_nicepay.service.snapService import SnapService

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ANSWER = re.compile(
    r"(getAccessToken|registDirectDebit|inquiryDirectDebit|refundDirectDebit) - Response : (\{.*\})$"
)


class ClientLog(logging.Handler):
    """The client's log lines: its answers are only there."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.answers: list[tuple[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        match = ANSWER.search(ANSI.sub("", record.getMessage()))
        if match:
            self.answers.append((match.group(1), json.loads(match.group(2))))

    def last(self, info_class: str) -> Any:
        for name, answer in reversed(self.answers):
            if name == info_class:
                return answer
        raise RuntimeError(f"the client logged no {info_class} answer")


def token_body() -> dict[str, Any]:
    return (
        builderAccessToken.BuildAccessToken().setGrantType("client_credentials").setAdditionalInfo("").build()
    )


def payment(cfg: dict[str, Any]) -> dict[str, Any]:
    value = f"{cfg['amount']}.00"
    cart = {
        "count": "1",
        "item": [
            {
                "img_url": "http://127.0.0.1/img/goods.png",
                "goods_name": "Contract test goods",
                "goods_detail": "DANA SNAP contract item",
                "goods_amt": value,
                "goods_quantity": "1",
            }
        ],
    }
    return (
        builderDirectDebit.BuildDirectDebit()
        .setPartnerReferenceNo(cfg["partner_reference_no"])
        .setMerchantId(cfg["client_id"])
        .setSubMerchantId("")
        .setExternalStoreId("")
        .setValidUpTo("")
        .setPointOfInitiation("Mobile App")
        .setAmount({"value": value, "currency": "IDR"})
        .setUrlParam(
            [
                {"url": cfg["notify_url"], "type": "PAY_NOTIFY", "isDeeplink": "Y"},
                {"url": cfg["return_url"], "type": "PAY_RETURN", "isDeeplink": "Y"},
            ]
        )
        .setAdditionalInfo(
            {
                "mitraCd": "DANA",
                "goodsNm": "Contract test goods",
                "billingNm": "Budi Santoso",
                "billingPhone": "081234567890",
                "cartData": json.dumps(cart, separators=(",", ":")),
                "dbProcessUrl": cfg["notify_url"],
                "callBackUrl": cfg["return_url"],
                "msId": "",
            }
        )
        .build()
        .jsonDirectDebit()
    )


def status(cfg: dict[str, Any]) -> dict[str, Any]:
    return (
        builderDirectDebit.BuildDirectDebitInquiry()
        .setMerchantId(cfg["client_id"])
        .setSubMerchantId("")
        .setOriginalPartnerReferenceNo(cfg["partner_reference_no"])
        .setOriginalReferenceNo(cfg["reference_no"])
        .setServiceCode("54")
        .setTransactionDate(time.strftime("%Y%m%d%H%M%S"))
        .setAmount({"value": f"{cfg['amount']}.00", "currency": "IDR"})
        .setAdditionalInfo({})
        .build()
        .jsonDirectDebitInquiry()
    )


def refund(cfg: dict[str, Any]) -> dict[str, Any]:
    return (
        builderDirectDebit.BuildDirectDebitRefund()
        .setPartnerRefundNo(cfg["partner_refund_no"])
        .setMerchantId(cfg["client_id"])
        .setSubMerchantId("")
        .setOriginalPartnerReferenceNo(cfg["partner_reference_no"])
        .setOriginalReferenceNo(cfg["reference_no"])
        .setExternalStoreId("")
        .setReason("Contract test refund")
        .setRefundAmount({"value": f"{cfg['amount']}.00", "currency": "IDR"})
        .setAdditionalInfo({"refundType": "1"})
        .build()
        .jsonDirectDebitRefund()
    )


STEPS = {
    "payment": (payment, ConstantsEndpoints.directDebit, "registDirectDebit"),
    "status": (status, ConstantsEndpoints.inquiryDirectDebit, "inquiryDirectDebit"),
    "refund": (refund, ConstantsEndpoints.refundDirectDebit, "refundDirectDebit"),
}


def main() -> None:
    cfg = json.load(sys.stdin)
    log = ClientLog()
    logging.getLogger().addHandler(log)

    # The client's own configuration API: our host (with NICEPAY's /nicepay prefix), then the
    # merchant's client id, client secret and private key (bare base64, as the client wants it).
    ConstantsGeneral.setSandboxBaseUrl(cfg["host"])
    ConstantsGeneral.setSnapConfiguration(cfg["client_id"], cfg["client_secret"], cfg["private_key"])
    environment = builderEnvironment.BuildEnvironment().isCloud(False).isProduction(False).build()

    steps: list[dict[str, Any]] = []
    # No pause between calls: python-nicepay makes X-EXTERNAL-ID from the clock's second, so calls
    # of different services in one second share it, which the gateway allows (docs/snap.md).
    for name in cfg["steps"]:
        build, endpoint, info_class = STEPS[name]
        step: dict[str, Any] = {"name": name}
        steps.append(step)
        try:
            step["request"] = build(cfg)
            result = SnapService.serviceTransaction(
                token_body().jsonAccessToken(), step["request"], endpoint(), environment
            )
            step["returned"] = result
            step["token"] = log.last("getAccessToken")
            step["response"] = log.last(info_class)
            if name == "payment":  # later calls name the payment by our referenceNo, as merchants do
                cfg["reference_no"] = step["response"].get("referenceNo", "")
        except Exception:  # noqa: BLE001 - reported to the test, which fails with the details
            step["error"] = traceback.format_exc(limit=4)
    json.dump({"steps": steps}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
