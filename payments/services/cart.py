"""cartData and sellers: parsed, checked against amt (9022/9023) and, for Akulaku, the sellers."""

from __future__ import annotations

from typing import Any

from payments import textcheck
from payments.exceptions import InvalidField
from providers.base.types import CartItem, Seller


def _whole(value: Any, field: str) -> int:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit()):  # str.isdigit alone passes "²", which int() refuses
        raise InvalidField("cartData", f"cartData item {field} must be a whole number", result_cd="9022")
    return int(text)


def parse_cart(raw: str) -> tuple[dict[str, Any], tuple[CartItem, ...]]:
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
        items.append(
            CartItem(
                id=str(it.get("goods_id") or it.get("img_url") or i + 1)[:64],
                name=str(it.get("goods_name") or "")[:100],
                unit_price=_whole(it.get("goods_amt"), "goods_amt"),
                quantity=_whole(it.get("goods_quantity", 1) or 1, "goods_quantity"),
                detail=str(it.get("goods_detail") or "")[:100],
                type=str(it.get("goods_type") or "")[:50],
                url=str(it.get("goods_url") or "")[:255],
                img_url=str(it.get("img_url") or "")[:255],
                seller_id=str(it.get("goods_sellers_id") or ""),
                seller_name=str(it.get("goods_sellers_name") or ""),
            )
        )
    return data, tuple(items)


def check_total(items: tuple[CartItem, ...], amt: int) -> None:
    total = sum(i.unit_price * i.quantity for i in items)
    if total != amt:
        raise InvalidField(
            "cartData",
            f"Amount is different with Cart Data total amount: amt {amt} but the cart totals {total}",
            result_cd="9023",
        )


def parse_sellers(raw: str) -> tuple[list[Any], tuple[Seller, ...]]:
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
    return data, tuple(sellers)


def check_sellers(items: tuple[CartItem, ...], sellers: tuple[Seller, ...]) -> None:
    known = {s.id for s in sellers}
    for item in items:
        if not item.seller_id:
            raise InvalidField("cartData", f"cartData item {item.name!r} needs goods_sellers_id (Akulaku)")
        if item.seller_id not in known:
            raise InvalidField("cartData", f"goods_sellers_id {item.seller_id!r} is not in sellers")
