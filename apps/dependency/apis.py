"""The dependency API: the report's numbers as JSON (the same selector as the pages)."""

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.problems import problem_responses
from apps.dependency.reports import DEFINITIONS, ReportNotAllowed, dependency_report
from apps.tenancy.models import Team


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
    cost = serializers.CharField()


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

    class RepSerializer(serializers.Serializer):
        member_id = serializers.IntegerField(source="member.pk")
        name = serializers.CharField(source="member.display_name")
        figures = serializers.SerializerMethodField()

        def get_figures(self, row) -> dict:
            return row.figures.as_dict()

    class OutputSerializer(serializers.Serializer):
        start = serializers.DateField()
        end = serializers.DateField()
        currency = serializers.CharField()
        totals = serializers.SerializerMethodField()
        reps = serializers.SerializerMethodField()
        trend = serializers.SerializerMethodField()
        top_topics = serializers.SerializerMethodField()
        definitions = serializers.SerializerMethodField()

        def get_totals(self, report) -> dict:
            return report.totals.as_dict()

        def get_reps(self, report) -> list:
            return DependencyReportApi.RepSerializer(report.reps, many=True).data

        def get_trend(self, report) -> list:
            return [
                {"week_start": p.week_start.isoformat(), "escalations": p.escalations,
                 "solved_alone": p.solved_alone}
                for p in report.trend
            ]  # fmt: skip

        def get_top_topics(self, report) -> list:
            return [
                {"topic_id": t.topic_id, "name": t.name, "escalations": t.escalations,
                 "handled_by": t.handled_by}
                for t in report.top_topics
            ]  # fmt: skip

        def get_definitions(self, report) -> dict:
            return {key: str(text) for key, text in DEFINITIONS.items()}

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
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        try:
            report = dependency_report(viewer=request.membership, **filters.validated_data)
        except ReportNotAllowed:
            raise PermissionDenied from None
        return Response(self.OutputSerializer(report).data)
