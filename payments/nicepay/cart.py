"""cartData and sellers as NICEPAY sends them (JSON in a string), parsed into the neutral
CartItem and Seller the services and partners use. Bad JSON or shapes answer 9022 / 9003."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from payments import textcheck
from providers.base.types import CartItem, Seller

from .errors import InvalidField


def _whole(value: Any, field: str) -> int:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit()):  # str.isdigit alone passes "²", which int() refuses
        raise InvalidField("cartData", f"cartData item {field} must be a whole number", result_cd="9022")
    return int(text)


def cart_item(it: dict[str, Any], position: int, whole: Callable[[Any, str], int]) -> CartItem:
    """One item of NICEPAY's cartData (goods_* keys, the same in V2 and SNAP), cut to our column
    sizes; `whole(value, key)` reads goods_amt and goods_quantity, raising the caller's own error."""
    return CartItem(
        id=str(it.get("goods_id") or it.get("img_url") or position + 1)[:64],
        name=str(it.get("goods_name") or "")[:100],
        unit_price=whole(it.get("goods_amt"), "goods_amt"),
        quantity=whole(it.get("goods_quantity", 1) or 1, "goods_quantity"),
        detail=str(it.get("goods_detail") or "")[:100],
        type=str(it.get("goods_type") or "")[:50],
        url=str(it.get("goods_url") or "")[:255],
        img_url=str(it.get("img_url") or "")[:255],
        seller_id=str(it.get("goods_sellers_id") or ""),
        seller_name=str(it.get("goods_sellers_name") or ""),
    )


def parse_cart(raw: str) -> tuple[CartItem, ...]:
    """The items of a cartData string. Raises InvalidField (9022)."""
    try:
        data = textcheck.loads(raw, "cartData")
    except textcheck.BadText as exc:  # e.g. an escaped NUL inside: not storable
        raise InvalidField("cartData", exc.message, result_cd="9022")
    except textcheck.BadJson:
        raise InvalidField("cartData", "cartData is not valid JSON", result_cd="9022")
    if not isinstance(data, dict) or not isinstance(data.get("item"), list) or not data["item"]:
        raise InvalidField(
            "cartData",
            'cartData must be {"count": n, "item": [...]} with at least one item',
            result_cd="9022",
        )
    items = []
    for i, it in enumerate(data["item"]):
        if not isinstance(it, dict):
            raise InvalidField("cartData", f"cartData item {i + 1} must be an object", result_cd="9022")
        items.append(cart_item(it, i, _whole))
    return tuple(items)


def parse_sellers(raw: str) -> tuple[Seller, ...]:
    """The sellers of a sellers string (an object or an array of them). Raises InvalidField (9003)."""
    try:
        data = textcheck.loads(raw, "sellers")
    except textcheck.BadText as exc:
        raise InvalidField("sellers", exc.message)
    except textcheck.BadJson:
        raise InvalidField("sellers", "sellers is not valid JSON")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data or not all(isinstance(s, dict) for s in data):
        raise InvalidField("sellers", "sellers must be a JSON array of seller objects")
    sellers = []
    for s in data:
        if not s.get("sellersId"):
            raise InvalidField("sellers", "every seller needs a sellersId")
        addr = s.get("sellersAddress") if isinstance(s.get("sellersAddress"), dict) else {}
        sellers.append(
            Seller(
                id=str(s["sellersId"]),
                name=str(s.get("sellersNm") or ""),
                email=str(s.get("sellersEmail") or ""),
                url=str(s.get("sellersUrl") or ""),
                address={k: str(v) for k, v in addr.items()},
            )
        )
    return tuple(sellers)
