"""Translation between our Transaction and the neutral partner DTOs. Pure: no I/O, no writes."""

from __future__ import annotations

from django.conf import settings

from payments.models import Transaction
from providers.base.types import OrderInfo, Party, PaymentRequest, Seller

from .cart import parse_cart, parse_sellers


def gateway_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def order_info(txn: Transaction) -> OrderInfo:
    _, items = parse_cart(txn.cart_data_raw) if txn.cart_data else ({}, ())
    sellers: tuple[Seller, ...] = ()
    if txn.sellers:
        import json

        _, sellers = parse_sellers(json.dumps(txn.sellers))
    delivery = None
    if txn.delivery_name or txn.delivery_address:
        delivery = Party(
            txn.delivery_name,
            txn.delivery_phone,
            "",
            txn.delivery_address,
            txn.delivery_city,
            txn.delivery_state,
            txn.delivery_post_code,
            txn.delivery_country,
        )
    return OrderInfo(
        txid=txn.txid,
        reference_no=txn.reference_no,
        amount=txn.amount,
        goods_name=txn.goods_name,
        description=txn.description,
        billing=Party(
            txn.billing_name,
            txn.billing_phone,
            txn.billing_email,
            txn.billing_address,
            txn.billing_city,
            txn.billing_state,
            txn.billing_post_code,
            txn.billing_country,
        ),
        delivery=delivery,
        items=items,
        sellers=sellers,
        instalment_type=txn.instalment_type,
        instalment_months=txn.instalment_months,
        user_ip=txn.user_ip,
        expires_at=txn.expires_at,
        notify_url=gateway_url(f"/partners/{txn.mitra_cd}/notify"),
        return_url=gateway_url(f"/pay/{txn.txid}/return"),
        cancel_url=gateway_url(f"/pay/{txn.txid}/cancel"),
    )


def payment_request(txn: Transaction, *, account_token: str = "") -> PaymentRequest:
    return PaymentRequest(order=order_info(txn), partner_ref=txn.partner_ref, account_token=account_token)
