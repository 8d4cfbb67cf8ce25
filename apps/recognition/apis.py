"""The recognition API: kudos, reactions, letters, values and a person's recognition.

Same rules as the pages, because the same selectors and services answer: a token's member sees
what that member may see, and an id that is not visible to them (another organisation's,
someone's private kudos) is a 404 in the path and a 400 in a body, never a hint that it exists.
Creates honour `Idempotency-Key`.
"""

from datetime import datetime, time

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.idempotency import idempotent
from apps.core.api.pagination import CreatedCursorPagination
from apps.core.api.problems import problem_responses
from apps.core.api.schema import PaginatedGetSchema
from apps.core.errors import ApplicationError
from apps.recognition import selectors, services
from apps.recognition.models import (
    LETTER_MAX_LENGTH,
    MAX_RECIPIENTS,
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Kudos,
    Letter,
    Reaction,
    Value,
)
from apps.tenancy.models import Membership
from apps.tenancy.selectors import member_list

# Ids beyond a 64-bit integer can't name a row; refusing them keeps the database out of it.
MAX_ID = 2**63 - 1
MAX_EXECUTIVES = 20
EARLIEST_SINCE = datetime(2000, 1, 1)

UNKNOWN_MEMBERS = "No member of your organisation has the id %(ids)s."
UNKNOWN_VALUES = "Your organisation has no value with the id %(ids)s."
UNKNOWN_KUDOS = "You have no kudos with this id."
KUDOS_NOT_YOURS = "Only the sender of a kudos can turn it into a letter."
LETTER_ABOUT_YOURSELF = "You can't write a thank-you letter about yourself."
REACTIONS_CLOSED = "Reactions are closed on a hidden kudos."
SINCE_INVALID = (
    "Give a date (2025-01-31) or a date and time (2025-01-31T09:00:00Z; encode “+” as %2B)."
)
SINCE_TOO_EARLY = "Give a moment from 2000 on."


def _id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _resolve(queryset, ids: list[int], message: str) -> list:
    """The rows with these ids, in the order given (duplicates dropped), or a validation error
    naming the ids that are not ours, without saying whether they exist elsewhere."""
    found = queryset.in_bulk(list(dict.fromkeys(ids)))
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if missing:
        raise serializers.ValidationError(message % {"ids": ", ".join(map(str, missing))})
    return [found[i] for i in dict.fromkeys(ids)]


def _parse_since(value: str) -> datetime:
    """A date (from midnight, the organisation's time) or a date and time (naive ones in the
    organisation's time zone)."""
    try:
        moment = parse_datetime(value)
        day = parse_date(value) if moment is None else None
    except ValueError:  # well formed but impossible, such as 2025-02-30 or an offset of 25 h
        raise serializers.ValidationError(SINCE_INVALID) from None
    if moment is None and day is None:
        raise serializers.ValidationError(SINCE_INVALID)
    if moment is None:
        moment = datetime.combine(day, time.min)
    if moment.replace(tzinfo=None) < EARLIEST_SINCE:
        raise serializers.ValidationError(SINCE_TOO_EARLY)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


# --- Output shapes shared by the endpoints ------------------------------------------------------


class MemberRefSerializer(serializers.Serializer):
    """A person named in recognition (see /api/v1/members/{id}/ for the whole record)."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")

    class Meta:
        ref_name = "MemberRef"


class ValueOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    is_active = serializers.BooleanField(help_text="Retired values can't be picked for new kudos.")

    class Meta:
        ref_name = "Value"


class ValueRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()

    class Meta:
        ref_name = "ValueRef"


class ReactionCountSerializer(serializers.Serializer):
    emoji = serializers.ChoiceField(choices=Reaction.Emoji.choices)
    count = serializers.IntegerField()
    mine = serializers.BooleanField(help_text="Whether the token's member reacted so.")

    class Meta:
        ref_name = "ReactionCount"


class KudosOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sender = MemberRefSerializer()
    recipients = serializers.SerializerMethodField()
    values = serializers.SerializerMethodField()
    message = serializers.CharField(help_text="Plain text, as the sender wrote it.")
    customer_name = serializers.CharField(help_text="The customer or account it was for.")
    visibility = serializers.ChoiceField(choices=Kudos.Visibility.choices)
    reactions = serializers.SerializerMethodField()
    hidden = serializers.BooleanField(
        source="is_hidden", help_text="Hidden by an admin (only admins see hidden kudos)."
    )
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Kudos"

    @extend_schema_field(MemberRefSerializer(many=True))
    def get_recipients(self, kudos: Kudos) -> list:
        people = [link.recipient for link in kudos.recipient_links.all()]
        return MemberRefSerializer(people, many=True).data

    @extend_schema_field(ValueRefSerializer(many=True))
    def get_values(self, kudos: Kudos) -> list:
        values = [link.value for link in kudos.value_links.all()]
        return ValueRefSerializer(values, many=True).data

    @extend_schema_field(ReactionCountSerializer(many=True))
    def get_reactions(self, kudos: Kudos) -> list:
        summary = selectors.reaction_summary(kudos, self.context["viewer"])
        return ReactionCountSerializer([r for r in summary if r.count], many=True).data


class KudosSentOutputSerializer(KudosOutputSerializer):
    """The kudos just sent, answered from the rows in hand: its recipients and values as the
    request named them (context), no reactions yet. Re-reading it cost four queries."""

    class Meta:
        ref_name = "Kudos"

    def get_recipients(self, kudos: Kudos) -> list:
        return MemberRefSerializer(self.context["recipients"], many=True).data

    def get_values(self, kudos: Kudos) -> list:
        return ValueRefSerializer(self.context["values"], many=True).data

    def get_reactions(self, kudos: Kudos) -> list:
        return []


class LetterOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kudos = serializers.IntegerField(
        source="kudos_id", allow_null=True, help_text="The kudos the letter grew from, if any."
    )
    sender = MemberRefSerializer()
    addressed_to = MemberRefSerializer(help_text="The manager the letter is addressed to.")
    subjects = serializers.SerializerMethodField()
    copies = serializers.SerializerMethodField()
    body = serializers.CharField()
    status = serializers.ChoiceField(choices=Letter.Status.choices)
    created_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = MemberRefSerializer(allow_null=True)
    acknowledgement_note = serializers.CharField()

    class Meta:
        ref_name = "Letter"

    @extend_schema_field(MemberRefSerializer(many=True))
    def get_subjects(self, letter: Letter) -> list:
        """The people the letter thanks."""
        people = [link.member for link in letter.subject_links.all()]
        return MemberRefSerializer(people, many=True).data

    @extend_schema_field(MemberRefSerializer(many=True))
    def get_copies(self, letter: Letter) -> list:
        """The executives copied."""
        people = [link.member for link in letter.copy_links.all()]
        return MemberRefSerializer(people, many=True).data


# --- Kudos --------------------------------------------------------------------------------------


class KudosListCreateApi(APIView):
    """Kudos the token's member may see (hidden ones left out), newest first; or send one."""

    pagination_class = CreatedCursorPagination

    class FilterSerializer(serializers.Serializer):
        recipient = _id_field(required=False, help_text="Kudos to this member (an id).")
        sender = _id_field(required=False, help_text="Kudos from this member (an id).")
        value = _id_field(required=False, help_text="Kudos carrying this value (an id).")
        since = serializers.CharField(
            required=False,
            max_length=40,
            help_text="Kudos sent from this moment on: a date (2025-01-31, from midnight in "
            "the organisation's time zone) or an ISO 8601 date and time.",
        )

        def validate_since(self, value: str) -> datetime:
            return _parse_since(value)

        class Meta:
            ref_name = "KudosFilter"

    class InputSerializer(serializers.Serializer):
        recipients = serializers.ListField(
            child=_id_field(),
            allow_empty=False,
            max_length=MAX_RECIPIENTS,
            help_text="The ids of the members you thank (active members, not yourself).",
        )
        message = serializers.CharField(max_length=MESSAGE_MAX_LENGTH, help_text="Plain text.")
        values = serializers.ListField(
            child=_id_field(), required=False, default=list, max_length=20,
            help_text="The ids of active values of the organisation.",
        )  # fmt: skip
        customer_name = serializers.CharField(
            max_length=120, required=False, allow_blank=True, default=""
        )
        visibility = serializers.ChoiceField(
            choices=Kudos.Visibility.choices, default=Kudos.Visibility.ORGANIZATION
        )

        def validate_recipients(self, ids: list[int]) -> list[Membership]:
            return _resolve(Membership.objects.select_related("user"), ids, UNKNOWN_MEMBERS)

        def validate_values(self, ids: list[int]) -> list[Value]:
            return _resolve(Value.objects.all(), ids, UNKNOWN_VALUES)

        class Meta:
            ref_name = "KudosCreate"

    OutputSerializer = KudosOutputSerializer

    @extend_schema(
        operation_id="kudos_list",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **problem_responses(400, 401, 429)},
    )
    def get(self, request):
        """Kudos you may see (hidden ones left out), newest first, with the filters given."""
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        kudos = selectors.kudos_list(
            viewer=request.membership,
            recipient_id=data.get("recipient"),
            sender_id=data.get("sender"),
            value_id=data.get("value"),
            since=data.get("since"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(kudos, request, view=self)
        context = {"viewer": request.membership}
        return paginator.get_paginated_response(
            self.OutputSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        operation_id="kudos_create",
        request=InputSerializer,
        responses={201: OutputSerializer, **problem_responses(400, 401, 409, 422, 429)},
    )
    @idempotent
    def post(self, request):
        """Send kudos to one or more colleagues; they are told in the app and by e-mail."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        kudos = services.kudos_send(sender=request.membership, **data)
        context = {"recipients": data["recipients"], "values": data["values"]}
        return Response(
            KudosSentOutputSerializer(kudos, context=context).data, status=status.HTTP_201_CREATED
        )


class KudosDetailApi(APIView):
    """One kudos, if the token's member may see it."""

    OutputSerializer = KudosOutputSerializer

    @extend_schema(
        operation_id="kudos_retrieve",
        responses={200: OutputSerializer, **problem_responses(401, 404, 429)},
    )
    def get(self, request, kudos_id: int):
        kudos = selectors.kudos_detail(viewer=request.membership, kudos_id=kudos_id)
        if kudos is None:
            raise exceptions.NotFound()
        return Response(self.OutputSerializer(kudos, context={"viewer": request.membership}).data)


def _kudos_to_react_to(request, kudos_id: int) -> Kudos:
    kudos = get_object_or_404(selectors.kudos_visible_to(request.membership), pk=kudos_id)
    if kudos.is_hidden:
        raise ApplicationError(REACTIONS_CLOSED)
    return kudos


class ReactionOutputSerializer(serializers.Serializer):
    kudos = serializers.IntegerField(source="kudos_id")
    emoji = serializers.ChoiceField(choices=Reaction.Emoji.choices)

    class Meta:
        ref_name = "Reaction"


class ReactionCreateApi(APIView):
    """React to a kudos. One reaction per person per emoji: adding it again changes nothing
    (200 instead of 201)."""

    class InputSerializer(serializers.Serializer):
        emoji = serializers.ChoiceField(choices=Reaction.Emoji.choices)

        class Meta:
            ref_name = "ReactionCreate"

    OutputSerializer = ReactionOutputSerializer

    @extend_schema(
        operation_id="kudos_reactions_create",
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            200: OutputSerializer,
            **problem_responses(400, 401, 404, 409, 422, 429),
        },
    )
    @idempotent
    def post(self, request, kudos_id: int):
        kudos = _kudos_to_react_to(request, kudos_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        emoji = serializer.validated_data["emoji"]
        already = Reaction.objects.filter(kudos=kudos, member=request.membership, emoji=emoji)
        code = status.HTTP_200_OK if already.exists() else status.HTTP_201_CREATED
        reaction = services.reaction_add(kudos=kudos, member=request.membership, emoji=emoji)
        return Response(self.OutputSerializer(reaction).data, status=code)


class ReactionDeleteApi(APIView):
    """Take back your reaction (the emoji percent-encoded in the path, e.g. %F0%9F%91%8F for
    👏). Taking back one you never gave changes nothing."""

    @extend_schema(
        operation_id="kudos_reactions_destroy",
        parameters=[
            OpenApiParameter(
                "emoji",
                str,
                OpenApiParameter.PATH,
                enum=Reaction.Emoji.values,
                description="The emoji, percent-encoded.",
            )
        ],
        responses={204: None, **problem_responses(400, 401, 404, 429)},
    )
    def delete(self, request, kudos_id: int, emoji: str):
        kudos = _kudos_to_react_to(request, kudos_id)
        services.reaction_remove(kudos=kudos, member=request.membership, emoji=emoji)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Letters ------------------------------------------------------------------------------------


class LetterListCreateApi(APIView):
    """Letters the token's member may read, newest first; or write one to the managers of the
    people you thank (one letter per manager)."""

    pagination_class = CreatedCursorPagination
    schema = PaginatedGetSchema()  # the POST answers with the letters sent, not a page

    class InputSerializer(serializers.Serializer):
        subjects = serializers.ListField(
            child=_id_field(),
            allow_empty=False,
            max_length=MAX_RECIPIENTS,
            help_text="The ids of the members you thank; each one's manager receives a letter.",
        )
        body = serializers.CharField(max_length=LETTER_MAX_LENGTH, help_text="Plain text.")
        executives = serializers.ListField(
            child=_id_field(), required=False, default=list, max_length=MAX_EXECUTIVES,
            help_text="The ids of executives to copy.",
        )  # fmt: skip
        kudos = _id_field(
            required=False, allow_null=True, default=None,
            help_text="The id of a kudos you sent that the letter grew from.",
        )  # fmt: skip

        def validate_subjects(self, ids: list[int]) -> list[Membership]:
            sender = self.context["sender"]
            people = Membership.objects.select_related("user", "reports_to__user")
            subjects = _resolve(people, ids, UNKNOWN_MEMBERS)
            if any(member.pk == sender.pk for member in subjects):
                raise serializers.ValidationError(LETTER_ABOUT_YOURSELF)
            return subjects

        def validate_executives(self, ids: list[int]) -> list[Membership]:
            return _resolve(Membership.objects.select_related("user"), ids, UNKNOWN_MEMBERS)

        def validate_kudos(self, kudos_id: int | None) -> Kudos | None:
            if kudos_id is None:
                return None
            sender = self.context["sender"]
            kudos = selectors.kudos_visible_to(sender).filter(pk=kudos_id).first()
            if kudos is None:
                raise serializers.ValidationError(UNKNOWN_KUDOS)
            if kudos.sender_id != sender.pk:
                raise serializers.ValidationError(KUDOS_NOT_YOURS)
            return kudos

        class Meta:
            ref_name = "LetterCreate"

    OutputSerializer = LetterOutputSerializer

    @extend_schema(
        operation_id="letters_list",
        responses={200: OutputSerializer(many=True), **problem_responses(400, 401, 429)},
    )
    def get(self, request):
        """Letters you may read (as sender, addressee, a person thanked, their manager, an
        executive copied, or an admin), newest first."""
        letters = selectors.letters_visible_to(request.membership)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(letters, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="letters_create",
        request=InputSerializer,
        responses={
            201: OutputSerializer(many=True),
            **problem_responses(400, 401, 409, 422, 429),
        },
    )
    @idempotent
    def post(self, request):
        """Write to the managers of the people you thank: one letter per manager, each naming
        their people, copied to the executives you pick; returns the letters sent."""
        serializer = self.InputSerializer(data=request.data, context={"sender": request.membership})
        serializer.is_valid(raise_exception=True)
        letters = services.letters_send(sender=request.membership, **serializer.validated_data)
        sent = selectors.letters_visible_to(request.membership).filter(
            pk__in=[letter.pk for letter in letters]
        )
        return Response(
            self.OutputSerializer(sent.order_by("id"), many=True).data,
            status=status.HTTP_201_CREATED,
        )


class LetterAcknowledgeApi(APIView):
    """The manager a letter is addressed to acknowledges it with a short note, which the sender
    and the people thanked see. Anyone else who can read the letter gets a 403."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(
            max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
        )

        class Meta:
            ref_name = "LetterAcknowledge"

    OutputSerializer = LetterOutputSerializer

    @extend_schema(
        operation_id="letters_acknowledge",
        request=InputSerializer,
        responses={200: OutputSerializer, **problem_responses(400, 401, 403, 404, 409, 422, 429)},
    )
    @idempotent
    def post(self, request, letter_id: int):
        letter = get_object_or_404(selectors.letters_visible_to(request.membership), pk=letter_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.letter_acknowledge(
                letter=letter, actor=request.membership, request=request._request,
                **serializer.validated_data,
            )  # fmt: skip
        except ApplicationError as error:
            if error.code == "forbidden":
                raise exceptions.PermissionDenied(error.message) from None
            raise
        letter = selectors.letters_visible_to(request.membership).get(pk=letter.pk)
        return Response(self.OutputSerializer(letter).data)


# --- Values and a person's recognition ----------------------------------------------------------


class ValueListApi(APIView):
    """The organisation's values, in the order the compose page shows them."""

    class FilterSerializer(serializers.Serializer):
        active = serializers.ChoiceField(
            choices=["true", "false"],
            required=False,
            help_text="Only active values (true) or only retired ones (false); both if left out.",
        )

        class Meta:
            ref_name = "ValueFilter"

    OutputSerializer = ValueOutputSerializer

    @extend_schema(
        operation_id="values_list",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **problem_responses(400, 401, 429)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        values = selectors.value_list(include_inactive=True)
        if "active" in filters.validated_data:
            values = values.filter(is_active=filters.validated_data["active"] == "true")
        return Response(self.OutputSerializer(values, many=True).data)


class RecognitionTotalsSerializer(serializers.Serializer):
    kudos = serializers.IntegerField()
    letters = serializers.IntegerField()
    nominations = serializers.IntegerField()

    class Meta:
        ref_name = "RecognitionTotals"


class RecognitionMonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month.")
    kudos = serializers.IntegerField()
    letters = serializers.IntegerField()
    nominations = serializers.IntegerField()

    class Meta:
        ref_name = "RecognitionMonth"


class RecogniserSerializer(serializers.Serializer):
    member = MemberRefSerializer()
    kudos = serializers.IntegerField(help_text="Kudos this person sent to the member.")

    class Meta:
        ref_name = "Recogniser"


class MemberRecognitionApi(APIView):
    """What a member received, as the token's member may see it: the numbers of their
    recognition page. A former member's stays open to them, their manager and the admins."""

    class OutputSerializer(serializers.Serializer):
        member = MemberRefSerializer()
        totals = RecognitionTotalsSerializer(help_text="Everything received, all time.")
        last_12_months = RecognitionTotalsSerializer(source="recent")
        months = RecognitionMonthSerializer(
            source="series", many=True, help_text="The last 12 months, oldest first."
        )
        top_recognisers = RecogniserSerializer(
            many=True, help_text="Who sent the member most kudos (up to five)."
        )

        class Meta:
            ref_name = "MemberRecognition"

    @extend_schema(
        operation_id="members_recognition_retrieve",
        responses={200: OutputSerializer, **problem_responses(401, 404, 429)},
    )
    def get(self, request, member_id: int):
        viewer = request.membership
        member = get_object_or_404(member_list(include_inactive=True), pk=member_id)
        if not member.is_active and not selectors.recognition_may_export(
            member=member, viewer=viewer
        ):
            raise exceptions.NotFound()
        summary = selectors.recognition_summary(member=member, viewer=viewer)
        data = {
            **summary,
            "member": member,
            "top_recognisers": [
                {"member": sender, "kudos": count} for sender, count in summary["top_recognisers"]
            ],
        }
        return Response(self.OutputSerializer(data).data)
