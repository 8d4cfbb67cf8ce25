"""The dependency API: escalations (list, log, retrieve, correct, record the outcome), topics,
service detours, and the report's numbers as JSON. The same selectors and services as the pages
answer, so the same rules and the same numbers apply."""

import datetime as dt
from typing import NoReturn

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import fragments
from apps.core.api.idempotency import idempotent
from apps.core.api.pagination import CreatedCursorPagination
from apps.core.api.problems import problem_responses
from apps.core.errors import ApplicationError
from apps.core.models import ContentVersion
from apps.dependency import selectors, services
from apps.dependency.models import NOTE_MAX_LENGTH, Escalation, ServiceDetour, Topic
from apps.dependency.reports import (
    DEFINITIONS,
    DependencyReport,
    ReportNotAllowed,
    dependency_report,
)
from apps.recognition.apis import MemberRefSerializer
from apps.tenancy.apis import TeamOutputSerializer
from apps.tenancy.models import Membership, Team


# The report's response. These serializers document it (the OpenAPI schema, which schemathesis
# checks responses against); the response itself is built from plain dicts by `report_payload`,
# because a field-by-field serializer over a large organisation's thousand-odd reps cost more than
# the dicts do. tests/dependency/test_report_pages.py keeps the two in step.
class FiguresSerializer(serializers.Serializer):
    escalations = serializers.IntegerField()
    per_week = serializers.FloatField()
    urgent = serializers.IntegerField()
    urgent_share = serializers.FloatField(allow_null=True)
    routine_answered = serializers.IntegerField()
    solved_alone = serializers.IntegerField()
    self_resolution_rate = serializers.FloatField(allow_null=True)
    repeats = serializers.IntegerField()
    supportable = serializers.IntegerField()
    support_share = serializers.FloatField(allow_null=True)
    detours = serializers.IntegerField()
    detour_minutes = serializers.IntegerField()
    manager_minutes = serializers.IntegerField()
    rep_minutes = serializers.IntegerField()
    cost = serializers.CharField(help_text="A decimal in the report's currency.")

    class Meta:
        ref_name = "DependencyFigures"


class ReportRepSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    name = serializers.CharField()
    figures = FiguresSerializer()

    class Meta:
        ref_name = "DependencyReportRep"


class ReportWeekSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    escalations = serializers.IntegerField()
    solved_alone = serializers.IntegerField()

    class Meta:
        ref_name = "DependencyReportWeek"


class ReportTopicSerializer(serializers.Serializer):
    topic_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    escalations = serializers.IntegerField()
    handled_by = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "DependencyReportTopic"


def report_payload(report: DependencyReport) -> dict:
    """The report as JSON-ready dicts, in the shape the serializers above document."""
    return {
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "currency": report.currency,
        "totals": report.totals.as_dict(),
        "reps": [
            {"member_id": row.member.pk, "name": row.member.display_name,
             "figures": row.figures.as_dict()}
            for row in report.reps
        ],
        "trend": [
            {"week_start": p.week_start.isoformat(), "escalations": p.escalations,
             "solved_alone": p.solved_alone}
            for p in report.trend
        ],
        "top_topics": [
            {"topic_id": t.topic_id, "name": t.name, "escalations": t.escalations,
             "handled_by": t.handled_by}
            for t in report.top_topics
        ],
        "definitions": {key: str(text) for key, text in DEFINITIONS.items()},
    }  # fmt: skip


class DependencyReportApi(APIView):
    """Per-rep figures, totals, the 12-week trend and top topics for a period."""

    class FilterSerializer(serializers.Serializer):
        start = serializers.DateField(required=False)
        end = serializers.DateField(required=False)
        team = serializers.IntegerField(required=False, min_value=1)

        def validate(self, attrs):
            end = attrs.get("end") or timezone.localdate()
            start = attrs.get("start") or end - dt.timedelta(days=89)
            if start > end:
                raise serializers.ValidationError({"start": "The start must be before the end."})
            if (end - start).days > 2 * 366:
                raise serializers.ValidationError({"start": "Choose at most two years."})
            team = attrs.get("team")
            if team is not None and not Team.objects.filter(pk=team).exists():
                raise serializers.ValidationError({"team": "No such team."})
            return {"start": start, "end": end, "team_id": team}

    class OutputSerializer(serializers.Serializer):
        start = serializers.DateField()
        end = serializers.DateField()
        currency = serializers.CharField()
        totals = FiguresSerializer(help_text="All reps in the viewer's scope together.")
        # Every rep, not a page of them: a program reading the report wants them all, and once
        # built as dicts a thousand reps cost a few milliseconds next to the report's SQL.
        reps = ReportRepSerializer(
            many=True, help_text="Every rep in the viewer's scope, most escalations first."
        )
        trend = ReportWeekSerializer(many=True, help_text="The 12 weeks up to the end.")
        top_topics = ReportTopicSerializer(many=True)
        definitions = serializers.DictField(
            child=serializers.CharField(), help_text="One line defining each figure."
        )

        class Meta:
            ref_name = "DependencyReport"

    @extend_schema(
        operation_id="reports_dependency",
        parameters=[
            OpenApiParameter("start", str, description="ISO date, default 90 days before end"),
            OpenApiParameter("end", str, description="ISO date, default today"),
            OpenApiParameter("team", int, description="Only this team's reps"),
        ],
        responses={200: OutputSerializer, **problem_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        # Kept, as the rendered JSON (a large organisation's reps took as long to encode as a
        # whole small request), while no escalation, detour, topic or person changes
        # (apps/core/fragments.py).
        renderer = request.accepted_renderer
        body = fragments.cached(
            request, area=ContentVersion.Area.DEPENDENCY, name="report-api",
            compute=lambda: renderer.render(
                self._payload(request), renderer.media_type, {"request": request}
            ),
        )  # fmt: skip
        return HttpResponse(body, content_type=renderer.media_type)

    def _payload(self, request) -> dict:
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        try:
            report = dependency_report(viewer=request.membership, **filters.validated_data)
        except ReportNotAllowed:
            raise PermissionDenied from None
        return report_payload(report)


# --- Escalations, topics and service detours ----------------------------------------------------
#
# The same rules as the pages, because the same selectors and services answer: an escalation the
# token's member may not see (another organisation's, a colleague's) is a 404 in the path and a
# 400 in a body; support staff, who never log escalations, get a 403. Creates honour
# `Idempotency-Key`.

# Ids beyond a 64-bit integer can't name a row; refusing them keeps the database out of it.
MAX_ID = 2**63 - 1
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

UNKNOWN_MEMBER = "No member of your organisation has the id %(id)s."
UNKNOWN_TOPIC = "Your organisation has no active topic with the id %(id)s."
UNKNOWN_TEAM = "Your organisation has no team with the id %(id)s."
NOT_A_SUPPORT_TEAM = (
    "Choose a support team: customer service, technical support, inside sales or admin."
)
TOO_EARLY = "Give a moment from 2000 on."
START_AFTER_END = "The start must be before the end."
SUPPORT_HAS_NO_ESCALATIONS = "Support staff have no escalations."
ADMINS_ONLY = "Only admins manage topics."


def _id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _one(queryset, pk: int, message: str):
    """The row of the current organisation with this id, or a validation error that reads the
    same whether the id exists in another organisation or not at all."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise serializers.ValidationError(message % {"id": pk})
    return row


def _moment(value: dt.datetime) -> dt.datetime:
    if value < EARLIEST:
        raise serializers.ValidationError(TOO_EARLY)
    return value


def _forbidden_as_403(error: ApplicationError) -> NoReturn:
    if error.code == "forbidden":
        raise PermissionDenied(error.message) from None
    raise error


def _no_support(request) -> None:
    if request.membership.role == Membership.Role.SUPPORT:
        raise PermissionDenied(SUPPORT_HAS_NO_ESCALATIONS)


class TopicRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()

    class Meta:
        ref_name = "TopicRef"


class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()

    class Meta:
        ref_name = "TeamRef"


class EscalationChangeSerializer(serializers.Serializer):
    changed_by = MemberRefSerializer(allow_null=True)
    changes = serializers.DictField(
        child=serializers.ListField(min_length=2, max_length=2),
        help_text="Each changed field with its value before and after.",
    )
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "EscalationChange"


OUTCOMES = [choice for choice in Escalation.Outcome.choices if choice[0]]


class EscalationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rep = MemberRefSerializer()
    manager = MemberRefSerializer()
    occurred_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=Escalation.Channel.choices)
    topic = TopicRefSerializer(allow_null=True, help_text="Null: topic needed.")
    urgency = serializers.ChoiceField(choices=Escalation.Urgency.choices)
    note = serializers.CharField()
    repeats_topic = serializers.BooleanField(
        help_text="The same rep escalated the same topic in the 30 days before."
    )
    outcome = serializers.SerializerMethodField()
    redirected_to_member = MemberRefSerializer(allow_null=True)
    redirected_to_team = TeamRefSerializer(allow_null=True)
    manager_minutes = serializers.IntegerField(allow_null=True)
    rep_minutes = serializers.IntegerField(allow_null=True)
    callback_due_at = serializers.DateTimeField(
        allow_null=True, help_text="Routine escalations: when the manager calls back."
    )
    callback_reminded_at = serializers.DateTimeField(allow_null=True)
    called_back_at = serializers.DateTimeField(allow_null=True)
    outcome_recorded_at = serializers.DateTimeField(allow_null=True)
    source = serializers.ChoiceField(choices=Escalation.Source.choices)
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Escalation"

    @extend_schema_field(
        serializers.ChoiceField(choices=OUTCOMES, allow_null=True, help_text="Null until recorded.")
    )
    def get_outcome(self, escalation: Escalation) -> str | None:
        return escalation.outcome or None


class EscalationDetailOutputSerializer(EscalationOutputSerializer):
    history = serializers.SerializerMethodField()

    class Meta:
        ref_name = "EscalationDetail"

    @extend_schema_field(EscalationChangeSerializer(many=True))
    def get_history(self, escalation: Escalation) -> list:
        return EscalationChangeSerializer(selectors.escalation_history(escalation), many=True).data


def _escalation_response(request, escalation_id: int) -> Response:
    escalation = selectors.escalations_visible_to(request.membership).get(pk=escalation_id)
    return Response(EscalationDetailOutputSerializer(escalation).data)


def _visible_escalation(request, escalation_id: int) -> Escalation:
    _no_support(request)
    return get_object_or_404(selectors.escalations_visible_to(request.membership), pk=escalation_id)


class EscalationListCreateApi(APIView):
    """Escalations the token's member may see (admins all; managers their reporting tree's and
    those made to them; reps their own), newest logged first; or log one."""

    pagination_class = CreatedCursorPagination

    class FilterSerializer(serializers.Serializer):
        rep = _id_field(required=False, help_text="Escalations of this rep (a member id).")
        manager = _id_field(required=False, help_text="Escalations to this manager (a member id).")
        topic = _id_field(required=False, help_text="Escalations on this topic (an id).")
        urgency = serializers.ChoiceField(choices=Escalation.Urgency.choices, required=False)
        outcome = serializers.ChoiceField(
            choices=[("open", "Not recorded yet"), *OUTCOMES],
            required=False,
            help_text="`open`: the outcome is not recorded yet.",
        )
        start = serializers.DateField(
            required=False, help_text="From this day on (the organisation's time zone)."
        )
        end = serializers.DateField(
            required=False, help_text="Up to and including this day (the organisation's time zone)."
        )

        class Meta:
            ref_name = "EscalationFilter"

        def validate(self, attrs):
            if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
                raise serializers.ValidationError({"start": START_AFTER_END})
            return attrs

    class InputSerializer(serializers.Serializer):
        rep = _id_field(
            required=False,
            help_text="The rep who escalated (a member id); yourself if left out. Managers log "
            "for their reporting tree, admins for anyone, reps for themselves.",
        )
        manager = _id_field(
            required=False, allow_null=True, default=None,
            help_text="The manager escalated to; the rep's own manager if left out.",
        )  # fmt: skip
        occurred_at = serializers.DateTimeField(
            required=False, allow_null=True, default=None,
            help_text="When; now if left out. Without an offset, the organisation's time zone.",
        )  # fmt: skip
        channel = serializers.ChoiceField(choices=Escalation.Channel.choices)
        topic = _id_field(
            required=False, allow_null=True, default=None, help_text="An active topic's id."
        )
        urgency = serializers.ChoiceField(
            choices=Escalation.Urgency.choices,
            help_text="Routine escalations get a callback time (let it ring).",
        )
        note = serializers.CharField(
            max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
        )

        class Meta:
            ref_name = "EscalationCreate"

        def validate_rep(self, pk: int) -> Membership:
            people = Membership.objects.select_related("user", "reports_to__user")
            return _one(people, pk, UNKNOWN_MEMBER)

        def validate_manager(self, pk: int | None) -> Membership | None:
            people = Membership.objects.select_related("user")
            return None if pk is None else _one(people, pk, UNKNOWN_MEMBER)

        def validate_topic(self, pk: int | None) -> Topic | None:
            return None if pk is None else _one(Topic.objects.filter(is_active=True), pk,
                                                UNKNOWN_TOPIC)  # fmt: skip

        def validate_occurred_at(self, value: dt.datetime | None) -> dt.datetime | None:
            return None if value is None else _moment(value)

    OutputSerializer = EscalationOutputSerializer

    @extend_schema(
        operation_id="escalations_list",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **problem_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        _no_support(request)
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        escalations = selectors.escalation_list(
            viewer=request.membership, filters=filters.validated_data
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(escalations, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="escalations_create",
        request=InputSerializer,
        responses={201: OutputSerializer, **problem_responses(400, 401, 403, 409, 422, 429)},
    )
    @idempotent
    def post(self, request):
        """Log an escalation. A routine one gets its callback time (the organisation's delay,
        moved into working hours); the manager is reminded when it falls due."""
        _no_support(request)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            escalation = services.escalation_log(
                actor=request.membership,
                rep=data.get("rep") or request.membership,
                manager=data["manager"],
                occurred_at=data["occurred_at"],
                channel=data["channel"],
                topic=data["topic"],
                urgency=data["urgency"],
                note=data["note"],
                source=Escalation.Source.API,
            )
        except ApplicationError as error:
            _forbidden_as_403(error)
        # Answered from the rows in hand (it has no history yet): creating stays a few queries.
        return Response(self.OutputSerializer(escalation).data, status=status.HTTP_201_CREATED)


class EscalationDetailApi(APIView):
    """One escalation with its history; correct its topic, note, channel or urgency."""

    class InputSerializer(serializers.Serializer):
        topic = _id_field(
            required=False, allow_null=True,
            help_text="An active topic's id; null when the topic is not known.",
        )  # fmt: skip
        note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)
        channel = serializers.ChoiceField(choices=Escalation.Channel.choices, required=False)
        urgency = serializers.ChoiceField(
            choices=Escalation.Urgency.choices,
            required=False,
            help_text="Urgent drops the callback; routine schedules one if no outcome is known.",
        )

        class Meta:
            ref_name = "EscalationUpdate"

        def validate_topic(self, pk: int | None) -> Topic | None:
            return None if pk is None else _one(Topic.objects.filter(is_active=True), pk,
                                                UNKNOWN_TOPIC)  # fmt: skip

    OutputSerializer = EscalationDetailOutputSerializer

    @extend_schema(
        operation_id="escalations_retrieve",
        responses={200: OutputSerializer, **problem_responses(401, 403, 404, 429)},
    )
    def get(self, request, escalation_id: int):
        escalation = _visible_escalation(request, escalation_id)
        return Response(self.OutputSerializer(escalation).data)

    @extend_schema(
        operation_id="escalations_partial_update",
        request=InputSerializer,
        responses={200: OutputSerializer, **problem_responses(400, 401, 403, 404, 429)},
    )
    def patch(self, request, escalation_id: int):
        """Change only the fields given; the history records who changed what."""
        escalation = _visible_escalation(request, escalation_id)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            services.escalation_update(
                escalation=escalation, actor=request.membership, **serializer.validated_data
            )
        except ApplicationError as error:
            _forbidden_as_403(error)
        return _escalation_response(request, escalation.pk)


class EscalationOutcomeApi(APIView):
    """Record what happened (after the callback, or to correct it); kept in the history."""

    class InputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=OUTCOMES)
        redirected_to_member = _id_field(
            required=False, allow_null=True, default=None,
            help_text="Redirected: the support person (a member id).",
        )  # fmt: skip
        redirected_to_team = _id_field(
            required=False, allow_null=True, default=None,
            help_text="Redirected: the team (a team id).",
        )  # fmt: skip
        manager_minutes = serializers.IntegerField(
            min_value=0, max_value=1440, required=False, allow_null=True, default=None
        )
        rep_minutes = serializers.IntegerField(
            min_value=0, max_value=1440, required=False, allow_null=True, default=None
        )

        class Meta:
            ref_name = "EscalationOutcome"

        def validate_redirected_to_member(self, pk: int | None) -> Membership | None:
            return None if pk is None else _one(Membership.objects.filter(is_active=True), pk,
                                                UNKNOWN_MEMBER)  # fmt: skip

        def validate_redirected_to_team(self, pk: int | None) -> Team | None:
            return None if pk is None else _one(Team.objects.all(), pk, UNKNOWN_TEAM)

    OutputSerializer = EscalationDetailOutputSerializer

    @extend_schema(
        operation_id="escalations_outcome",
        request=InputSerializer,
        responses={200: OutputSerializer, **problem_responses(400, 401, 403, 404, 409, 422, 429)},
    )
    @idempotent
    def post(self, request, escalation_id: int):
        escalation = _visible_escalation(request, escalation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.escalation_record_outcome(
                escalation=escalation, actor=request.membership, **serializer.validated_data
            )
        except ApplicationError as error:
            _forbidden_as_403(error)
        return _escalation_response(request, escalation.pk)


# --- Topics -------------------------------------------------------------------------------------


class TopicOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    handled_by_team = TeamOutputSerializer(
        allow_null=True, help_text="The team that really handles it."
    )
    handled_by_member = MemberRefSerializer(
        allow_null=True, help_text="The person who really handles it."
    )
    how_to = serializers.CharField(help_text="What to have ready when calling them.")
    is_active = serializers.BooleanField(help_text="Retired topics can't be picked.")

    class Meta:
        ref_name = "Topic"


class TopicListCreateApi(APIView):
    """The who-to-call directory: what escalations are about and who really handles each
    (everyone may read it, in name order); admins add topics."""

    class FilterSerializer(serializers.Serializer):
        active = serializers.ChoiceField(
            choices=["true", "false"],
            required=False,
            help_text="Only active topics (true) or only retired ones (false); both if left out.",
        )

        class Meta:
            ref_name = "TopicFilter"

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=80)
        handled_by_team = _id_field(required=False, allow_null=True, default=None)
        handled_by_member = _id_field(required=False, allow_null=True, default=None)
        how_to = serializers.CharField(
            max_length=1000, required=False, allow_blank=True, default=""
        )
        is_active = serializers.BooleanField(required=False, default=True)

        class Meta:
            ref_name = "TopicCreate"

        def validate_handled_by_team(self, pk: int | None) -> Team | None:
            return None if pk is None else _one(Team.objects.all(), pk, UNKNOWN_TEAM)

        def validate_handled_by_member(self, pk: int | None) -> Membership | None:
            return None if pk is None else _one(Membership.objects.filter(is_active=True), pk,
                                                UNKNOWN_MEMBER)  # fmt: skip

    OutputSerializer = TopicOutputSerializer

    @extend_schema(
        operation_id="topics_list",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **problem_responses(400, 401, 429)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        topics = selectors.topic_list()
        if "active" in filters.validated_data:
            topics = topics.filter(is_active=filters.validated_data["active"] == "true")
        return Response(self.OutputSerializer(topics, many=True).data)

    @extend_schema(
        operation_id="topics_create",
        request=InputSerializer,
        responses={201: OutputSerializer, **problem_responses(400, 401, 403, 409, 422, 429)},
    )
    @idempotent
    def post(self, request):
        if request.membership.role != Membership.Role.ADMIN:
            raise PermissionDenied(ADMINS_ONLY)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        topic = services.topic_save(actor=request.membership, **serializer.validated_data)
        topic = selectors.topic_list().get(pk=topic.pk)
        return Response(self.OutputSerializer(topic).data, status=status.HTTP_201_CREATED)


# --- Service detours ----------------------------------------------------------------------------


class DetourOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rep = MemberRefSerializer()
    occurred_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=ServiceDetour.Kind.choices)
    team = TeamRefSerializer(help_text="The support team it should have gone to.")
    minutes = serializers.IntegerField(help_text="Rep minutes it took.")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ServiceDetour"


class DetourListCreateApi(APIView):
    """Customer requests that reached a rep but belong to a support team: those of the people
    whose numbers the token's member may see (the report's scope), newest logged first; or log
    one."""

    pagination_class = CreatedCursorPagination

    class FilterSerializer(serializers.Serializer):
        rep = _id_field(required=False, help_text="Detours of this rep (a member id).")
        start = serializers.DateField(required=False)
        end = serializers.DateField(required=False)

        class Meta:
            ref_name = "ServiceDetourFilter"

        def validate(self, attrs):
            if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
                raise serializers.ValidationError({"start": START_AFTER_END})
            return attrs

    class InputSerializer(serializers.Serializer):
        rep = _id_field(required=False, help_text="The rep (a member id); yourself if left out.")
        kind = serializers.ChoiceField(choices=ServiceDetour.Kind.choices)
        team = _id_field(help_text="The support team it should have gone to (a team id).")
        minutes = serializers.IntegerField(min_value=1, max_value=1440)
        occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        note = serializers.CharField(
            max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
        )

        class Meta:
            ref_name = "ServiceDetourCreate"

        def validate_rep(self, pk: int) -> Membership:
            return _one(Membership.objects.all(), pk, UNKNOWN_MEMBER)

        def validate_team(self, pk: int) -> Team:
            team = _one(Team.objects.all(), pk, UNKNOWN_TEAM)
            if not team.is_support:
                raise serializers.ValidationError(NOT_A_SUPPORT_TEAM)
            return team

        def validate_occurred_at(self, value: dt.datetime | None) -> dt.datetime | None:
            return None if value is None else _moment(value)

    OutputSerializer = DetourOutputSerializer

    @extend_schema(
        operation_id="service_detours_list",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **problem_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        try:
            detours = selectors.detour_list(
                viewer=request.membership, filters=filters.validated_data
            )
        except ReportNotAllowed:
            raise PermissionDenied(SUPPORT_HAS_NO_ESCALATIONS) from None
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(detours, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="service_detours_create",
        request=InputSerializer,
        responses={201: OutputSerializer, **problem_responses(400, 401, 403, 409, 422, 429)},
    )
    @idempotent
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            detour = services.detour_log(
                actor=request.membership,
                rep=data.pop("rep", None) or request.membership,
                **data,
            )
        except ApplicationError as error:
            _forbidden_as_403(error)
        detour = ServiceDetour.objects.select_related("rep__user", "team").get(pk=detour.pk)
        return Response(self.OutputSerializer(detour).data, status=status.HTTP_201_CREATED)
