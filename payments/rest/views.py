"""Thin API views: validate input, call one selector or service, serialise the answer. Services
audit every change as the API client (actor kind "api")."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.http import HttpRequest
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.models import AuditLog, Merchant
from payments.selectors.notifications import notification_get, notifications_list
from payments.selectors.transactions import (
    TransactionFilters,
    transaction_detail,
    transaction_get,
    transactions_search,
)
from payments.services.audit import Actor
from payments.services.notifications import notification_replay, notification_resend
from payments.services.polling import transaction_sync

from . import serializers as s
from .authentication import MerchantBasicAuthentication
from .pagination import RecentFirstCursorPagination
from .throttling import MerchantRateThrottle

TXID_PARAM = OpenApiParameter(
    "txid", str, OpenApiParameter.PATH, pattern=r"^[A-Za-z0-9]{1,30}$", description="The transaction's tXid."
)
NOTIFICATION_PARAM = OpenApiParameter(
    "notification_id", int, OpenApiParameter.PATH, description="The notification's id."
)


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    described = {
        400: "Invalid input (error.fields names each problem).",
        401: "Missing or wrong credentials (HTTP Basic iMid:merchantKey).",
        404: "Not found (another merchant's ids are not found either).",
        415: "Unsupported media type: send application/json.",
        429: "Too many requests; see Retry-After.",
        502: "The partner refused or answered with an error.",
        503: "The partner is unavailable; retry later.",
    }
    return {c: OpenApiResponse(s.ErrorSerializer, description=described[c]) for c in (401, 429, *codes)}


class MerchantApiMixin:
    """Authenticated as one merchant; everything below is scoped to `self.merchant`."""

    request: Request

    authentication_classes = [MerchantBasicAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [MerchantRateThrottle]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @property
    def merchant(self) -> Merchant:
        return self.request.auth

    @property
    def actor(self) -> Actor:
        request: HttpRequest = self.request
        return Actor(AuditLog.Actor.API, remote_addr=request.META.get("REMOTE_ADDR", ""))


class MerchantApi(MerchantApiMixin, APIView):
    pass


class MerchantListApi(MerchantApiMixin, GenericAPIView):
    """A cursor-paginated list (GenericAPIView so the schema shows the paginated shape)."""


def _validated(serializer_class: type, data: Any) -> dict[str, Any]:
    ser = serializer_class(data=data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


def _query(serializer_class: type, request: Request) -> dict[str, Any]:
    """Query-string filters, strictly: an unknown parameter (a typo such as `stauts`) is an error,
    not a silently unfiltered list; an empty value is an error, not "no filter"."""
    params = request.query_params.dict()
    allowed = set(serializer_class().fields) | {"cursor", "limit"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
    return _validated(serializer_class, params)


class TransactionListApi(MerchantListApi):
    """Your transactions, newest first, filtered; cursor-paginated (follow `next`)."""

    pagination_class = RecentFirstCursorPagination
    serializer_class = s.TransactionSerializer

    @extend_schema(
        operation_id="transactions_list",
        parameters=[s.TransactionFilterSerializer],
        responses={200: s.TransactionSerializer(many=True), **_errors(400)},
    )
    def get(self, request: Request) -> Response:
        f = _query(s.TransactionFilterSerializer, request)
        filters = TransactionFilters(
            status=f.get("status", ""),
            mitra_cd=f.get("mitraCd", ""),
            created_from=f.get("createdFrom"),
            created_to=f.get("createdTo"),
            amount_min=f.get("amountMin"),
            amount_max=f.get("amountMax"),
            q=f.get("q", ""),
        )
        # The list never shows cart, sellers or delivery data: leave those columns in the table.
        qs = (
            transactions_search(merchant=self.merchant, filters=filters)
            .only(*s.LIST_FIELDS)
            .annotate(link_ref=F("checkout__link_id"))  # paymentLinkId without a query per row
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.TransactionSerializer(page, many=True).data)


class TransactionDetailApi(MerchantApi):
    """One transaction with its timeline: events, partner callbacks and notification attempts."""

    @extend_schema(
        operation_id="transactions_retrieve",
        parameters=[TXID_PARAM],
        responses={200: s.TransactionDetailSerializer, **_errors(404)},
    )
    def get(self, request: Request, txid: str) -> Response:
        txn = transaction_detail(merchant=self.merchant, txid=txid)
        return Response(s.TransactionDetailSerializer(txn).data)


class TransactionSyncApi(MerchantApi):
    """Ask the partner for the status now and apply it."""

    @extend_schema(
        operation_id="transactions_sync",
        parameters=[TXID_PARAM],
        request=None,
        description="Ask the partner for the status now and apply it. Answers the transaction.",
        responses={200: s.TransactionDetailSerializer, **_errors(404, 502, 503)},
    )
    def post(self, request: Request, txid: str) -> Response:
        txn = transaction_get(merchant=self.merchant, txid=txid)
        transaction_sync(transaction_id=txn.pk, source="sync", actor=self.actor)
        txn = transaction_detail(merchant=self.merchant, txid=txid)
        return Response(s.TransactionDetailSerializer(txn).data)


class NotificationListApi(MerchantListApi):
    """Your notifications (the server-to-server posts to your dbProcessUrl), newest first."""

    pagination_class = RecentFirstCursorPagination
    serializer_class = s.NotificationSerializer

    @extend_schema(
        operation_id="notifications_list",
        parameters=[s.NotificationFilterSerializer],
        responses={200: s.NotificationSerializer(many=True), **_errors(400)},
    )
    def get(self, request: Request) -> Response:
        f = _query(s.NotificationFilterSerializer, request)
        qs = notifications_list(merchant=self.merchant, state=f.get("state"), txid=f.get("tXid"))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.NotificationSerializer(page, many=True).data)


class NotificationDetailApi(MerchantApi):
    """One notification with every delivery attempt."""

    @extend_schema(
        operation_id="notifications_retrieve",
        parameters=[NOTIFICATION_PARAM],
        responses={200: s.NotificationWithAttemptsSerializer, **_errors(404)},
    )
    def get(self, request: Request, notification_id: int) -> Response:
        note = notification_get(merchant=self.merchant, notification_id=notification_id)
        return Response(s.NotificationWithAttemptsSerializer(note).data)


class NotificationResendApi(MerchantApi):
    """Deliver one notification again now."""

    @extend_schema(
        operation_id="notifications_resend",
        parameters=[NOTIFICATION_PARAM],
        request=None,
        description="Queue this notification for delivery again now, whatever its state.",
        responses={202: s.NotificationSerializer, **_errors(404)},
    )
    def post(self, request: Request, notification_id: int) -> Response:
        note = notification_get(merchant=self.merchant, notification_id=notification_id)
        notification_resend(notification_id=note.pk, actor=self.actor)
        note = notification_get(merchant=self.merchant, notification_id=note.pk)
        return Response(s.NotificationSerializer(note).data, status=status.HTTP_202_ACCEPTED)


class NotificationReplayApi(MerchantApi):
    """Deliver again every failed or dead notification of a time window."""

    @extend_schema(
        operation_id="notifications_replay",
        request=s.NotificationReplayInputSerializer,
        description="Queue again every failed or dead notification created in [since, until).",
        responses={202: s.NotificationReplayResultSerializer, **_errors(400, 415)},
    )
    def post(self, request: Request) -> Response:
        data = _validated(s.NotificationReplayInputSerializer, request.data)
        count = notification_replay(
            merchant=self.merchant, since=data["since"], until=data["until"], actor=self.actor
        )
        out = {"replayed": count, "since": data["since"], "until": data["until"]}
        return Response(s.NotificationReplayResultSerializer(out).data, status=status.HTTP_202_ACCEPTED)
