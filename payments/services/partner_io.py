"""Translation between our Transaction and the neutral partner DTOs. Pure: no I/O, no writes."""

from __future__ import annotations

from django.conf import settings

from payments import customer_access
from payments.models import Transaction
from providers.base.types import CartItem, OrderInfo, Party, PaymentRequest, Seller


def gateway_url(path: str) -> str:
    """The gateway's absolute URL of `path` (PUBLIC_BASE_URL)."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def order_info(txn: Transaction) -> OrderInfo:
    """Everything a partner may need about `txn`, as the neutral OrderInfo (money in whole rupiah)."""
    items = tuple(CartItem(**item) for item in txn.cart_data.get("items", ()))
    sellers = tuple(Seller(**seller) for seller in txn.sellers or ())
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
        return_url=customer_access.page_url(txn.txid, "return"),
        cancel_url=customer_access.page_url(txn.txid, "cancel"),
    )


def payment_request(txn: Transaction, *, account_token: str = "") -> PaymentRequest:
    """The partner's payment request for `txn` (a linked account's token where one pays)."""
    return PaymentRequest(order=order_info(txn), partner_ref=txn.partner_ref, account_token=account_token)
