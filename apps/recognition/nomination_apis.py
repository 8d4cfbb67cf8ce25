"""The nominations API: nomination links (any member, their own), and moderation of customer
nominations (moderators only; the customer's e-mail address is in these answers)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.idempotency import idempotent
from apps.core.api.pagination import CreatedCursorPagination
from apps.core.api.problems import problem_responses
from apps.recognition import nomination_selectors as selectors
from apps.recognition import nomination_services as services
from apps.recognition.nomination_models import Nomination, NominationLink
from apps.tenancy.models import Membership, Team

MEMBER_NOT_FOUND = "There is no active member with this id."
TEAM_NOT_FOUND = "There is no team with this id."

# --- Shared output shapes ----------------------------------------------------------------------

# Named enum components of their own: "role" and "status" are field names other APIs use for
# other choices, and drf-spectacular would otherwise give the clash a hashed name (a warning).


@extend_schema_field(
    {"type": "string", "enum": Nomination.Status.values}, component_name="NominationStatusEnum"
)
class NominationStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Nomination.Status.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": Nomination.CustomerRole.values}, component_name="CustomerRoleEnum"
)
class CustomerRoleField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Nomination.CustomerRole.choices, **kwargs)


class PersonSerializer(serializers.Serializer):
    """A member, as the nominations API names people: id and name."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")

    class Meta:
        ref_name = "NominationPerson"


class LinkTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()

    class Meta:
        ref_name = "NominationLinkTeam"


class LinkOutputSerializer(serializers.Serializer):
    """A nomination link, with the URL to share and how many nominations came through it."""

    id = serializers.IntegerField()
    label = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="The public form's address, to share.")
    created_by = PersonSerializer()
    preselected_member = PersonSerializer(allow_null=True)
    preselected_team = LinkTeamSerializer(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    single_use = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    is_usable = serializers.BooleanField(help_text="Neither revoked nor expired.")
    nomination_count = serializers.IntegerField(help_text="Nominations received, any status.")
    approved_count = serializers.IntegerField(help_text="Nominations received and approved.")

    class Meta:
        ref_name = "NominationLink"

    def get_url(self, link: NominationLink) -> str:
        return services.link_url(link)


class CustomerSerializer(serializers.Serializer):
    role = CustomerRoleField(source="customer_role")
    name = serializers.CharField(source="customer_name")
    company = serializers.CharField(source="customer_company")
    email = serializers.CharField(
        source="customer_email", help_text="Empty when not given, or erased on request."
    )
    details_erased_at = serializers.DateTimeField(
        source="customer_details_erased_at", allow_null=True
    )

    class Meta:
        ref_name = "NominationCustomer"


class NominationLinkRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()

    class Meta:
        ref_name = "NominationLinkRef"


class NominationOutputSerializer(serializers.Serializer):
    """A customer's nomination, as moderators see it."""

    id = serializers.IntegerField()
    status = NominationStatusField()
    nominee = PersonSerializer(
        allow_null=True, help_text="Null while the customer could not name them."
    )
    helper_description = serializers.CharField(
        help_text="How the customer described the helper when they did not know their name."
    )
    story = serializers.CharField(help_text="Plain text, as the customer wrote it.")
    customer = CustomerSerializer(source="*")
    link = NominationLinkRefSerializer()
    collected_by = PersonSerializer(help_text="The member who shared the link.")
    created_at = serializers.DateTimeField()
    moderated_at = serializers.DateTimeField(allow_null=True)
    moderated_by = PersonSerializer(allow_null=True)

    class Meta:
        ref_name = "Nomination"


def _require_moderator(request) -> None:
    if not services.can_moderate(request.membership):
        raise PermissionDenied


# --- Links -------------------------------------------------------------------------------------


class LinkListCreateApi(APIView):
    """Your nomination links, newest first, with their counts of nominations; or create one."""

    pagination_class = CreatedCursorPagination
    OutputSerializer = LinkOutputSerializer

    class InputSerializer(serializers.Serializer):
        label = serializers.CharField(
            max_length=120, help_text="For example the customer and the project."
        )
        preselected_member = serializers.IntegerField(
            min_value=1, required=False, allow_null=True,
            help_text="A member id: the helper already picked on the form.",
        )  # fmt: skip
        preselected_team = serializers.IntegerField(
            min_value=1, required=False, allow_null=True,
            help_text="A team id: the form lists that team's people first.",
        )  # fmt: skip
        expires_at = serializers.DateTimeField(required=False, allow_null=True)
        single_use = serializers.BooleanField(default=False)

        class Meta:
            ref_name = "NominationLinkInput"

    @extend_schema(
        operation_id="nomination_links_list",
        responses={200: OutputSerializer(many=True), **problem_responses(400, 401, 429)},
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.links_of(request.membership), request, view=self
        )
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="nomination_links_create",
        request=InputSerializer,
        responses={201: OutputSerializer, **problem_responses(400, 401, 409, 422, 429)},
    )
    @idempotent
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        link = services.nomination_link_create(
            creator=request.membership,
            label=data["label"],
            preselected_member=_member_or_400(
                data.get("preselected_member"), field="preselected_member"
            ),
            preselected_team=_team_or_400(data.get("preselected_team")),
            expires_at=data.get("expires_at"),
            single_use=data["single_use"],
        )
        link = selectors.links_of(request.membership).get(pk=link.pk)
        return Response(self.OutputSerializer(link).data, status=status.HTTP_201_CREATED)


def _member_or_400(member_id: int | None, *, field: str) -> Membership | None:
    """An active member of the organisation by id; another organisation's id is bad input."""
    if member_id is None:
        return None
    member = Membership.objects.filter(pk=member_id, is_active=True).first()
    if member is None:
        raise serializers.ValidationError({field: [MEMBER_NOT_FOUND]})
    return member


def _team_or_400(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise serializers.ValidationError({"preselected_team": [TEAM_NOT_FOUND]})
    return team


def _link(request, link_id: int) -> NominationLink:
    """A link of the organisation (else 404) that is the member's own, or any for an admin
    (else 403, as on the link's page)."""
    link = selectors.link_with_counts(link_id=link_id)
    if link is None:
        raise Http404
    member = request.membership
    if link.created_by_id != member.pk and member.role != Membership.Role.ADMIN:
        raise PermissionDenied
    return link


class LinkDetailApi(APIView):
    """One nomination link: your own (an admin may read any of the organisation's)."""

    OutputSerializer = LinkOutputSerializer

    @extend_schema(
        operation_id="nomination_links_retrieve",
        responses={200: OutputSerializer, **problem_responses(401, 403, 404, 429)},
    )
    def get(self, request, link_id: int):
        return Response(self.OutputSerializer(_link(request, link_id)).data)


class LinkRevokeApi(APIView):
    """Revoke a link at once: the public form answers "no longer open" from now on. Your own
    links (an admin may revoke any)."""

    OutputSerializer = LinkOutputSerializer

    @extend_schema(
        operation_id="nomination_links_revoke",
        request=None,
        responses={200: OutputSerializer, **problem_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request, link_id: int):
        link = _link(request, link_id)
        services.nomination_link_revoke(link=link, actor=request.membership, request=request)
        return Response(self.OutputSerializer(link).data)


# --- Nominations (moderators) ------------------------------------------------------------------


class NominationListApi(APIView):
    """The organisation's customer nominations, newest first (moderators only)."""

    pagination_class = CreatedCursorPagination
    OutputSerializer = NominationOutputSerializer

    class FilterSerializer(serializers.Serializer):
        status = NominationStatusField(required=False, help_text="All when left out.")

    @extend_schema(
        operation_id="nominations_list",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **problem_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        _require_moderator(request)
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        nominations = selectors.nomination_list(status=filters.validated_data.get("status"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(nominations, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class _ModerateApi(APIView):
    """Shared by approve, reject and spam: moderators only, pending nominations only."""

    decision: str = ""
    OutputSerializer = NominationOutputSerializer

    def nomination(self, request, nomination_id: int) -> Nomination:
        _require_moderator(request)
        return get_object_or_404(selectors.moderation_queue(status=None), pk=nomination_id)

    def decide(self, request, nomination: Nomination, nominee: Membership | None = None):
        services.nomination_moderate(
            nomination=nomination,
            actor=request.membership,
            decision=self.decision,
            nominee=nominee,
            request=request,
        )
        decided = selectors.nomination_for_moderation(nomination_id=nomination.pk)
        return Response(self.OutputSerializer(decided).data)


class NominationApproveApi(_ModerateApi):
    """Approve a pending nomination: it shows on the nominee's recognition page and the wall, the
    nominee and their manager are told, and the member who shared the link is credited. A
    nomination whose customer could not name the helper needs `nominee`."""

    decision = Nomination.Status.APPROVED

    class InputSerializer(serializers.Serializer):
        nominee = serializers.IntegerField(
            min_value=1, required=False, allow_null=True,
            help_text="A member id: who the nomination is about (replaces the customer's pick).",
        )  # fmt: skip

        class Meta:
            ref_name = "NominationApproveInput"

    @extend_schema(
        operation_id="nominations_approve",
        request=InputSerializer,
        responses={
            200: NominationOutputSerializer, **problem_responses(400, 401, 403, 404, 429)
        },
    )  # fmt: skip
    def post(self, request, nomination_id: int):
        nomination = self.nomination(request, nomination_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        nominee = _member_or_400(serializer.validated_data.get("nominee"), field="nominee")
        return self.decide(request, nomination, nominee)


class NominationRejectApi(_ModerateApi):
    """Reject a pending nomination: nobody but moderators will see it."""

    decision = Nomination.Status.REJECTED

    @extend_schema(
        operation_id="nominations_reject",
        request=None,
        responses={
            200: NominationOutputSerializer, **problem_responses(400, 401, 403, 404, 429)
        },
    )  # fmt: skip
    def post(self, request, nomination_id: int):
        return self.decide(request, self.nomination(request, nomination_id))


class NominationSpamApi(_ModerateApi):
    """Mark a pending nomination as spam: nobody but moderators will see it."""

    decision = Nomination.Status.SPAM

    @extend_schema(
        operation_id="nominations_spam",
        request=None,
        responses={
            200: NominationOutputSerializer, **problem_responses(400, 401, 403, 404, 429)
        },
    )  # fmt: skip
    def post(self, request, nomination_id: int):
        return self.decide(request, self.nomination(request, nomination_id))
