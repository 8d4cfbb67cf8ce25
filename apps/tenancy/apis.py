"""The members API: the organisation's directory, read only (members are managed in the app)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import CreatedCursorPagination
from apps.core.api.problems import problem_responses
from apps.tenancy.models import Membership, Team
from apps.tenancy.selectors import member_list, member_search


class TeamOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Team.Kind.choices)

    class Meta:
        ref_name = "Team"


class MemberOutputSerializer(serializers.Serializer):
    """One member, as every API that names a person shows it."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="user.display_name")
    email = serializers.EmailField(source="user.email")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    title = serializers.CharField()
    team = TeamOutputSerializer(allow_null=True)
    reports_to = serializers.IntegerField(
        source="reports_to_id", allow_null=True, help_text="The id of the member's manager."
    )
    is_executive = serializers.BooleanField()
    is_active = serializers.BooleanField()
    joined_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Member"


class MemberListApi(APIView):
    """Active members, newest first, one cursor page at a time."""

    pagination_class = CreatedCursorPagination

    class FilterSerializer(serializers.Serializer):
        role = serializers.ChoiceField(choices=Membership.Role.choices, required=False)
        team = serializers.IntegerField(min_value=1, required=False, help_text="A team id.")
        q = serializers.CharField(
            max_length=100,
            required=False,
            allow_blank=True,
            help_text="Part of a name, e-mail address or job title.",
        )

    OutputSerializer = MemberOutputSerializer

    @extend_schema(
        operation_id="members_list",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **problem_responses(400, 401, 429)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        members = member_search(**filters.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(members, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class MemberDetailApi(APIView):
    """One member, active or not (deactivated members keep their history)."""

    OutputSerializer = MemberOutputSerializer

    @extend_schema(
        operation_id="members_retrieve",
        responses={200: OutputSerializer, **problem_responses(401, 404, 429)},
    )
    def get(self, request, member_id: int):
        member = get_object_or_404(member_list(include_inactive=True), pk=member_id)
        return Response(self.OutputSerializer(member).data)
