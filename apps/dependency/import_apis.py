"""The call-log import API: upload a CSV (multipart), list past imports, follow one's progress."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.idempotency import idempotent
from apps.core.api.pagination import CreatedCursorPagination
from apps.core.api.problems import problem_responses
from apps.core.errors import ApplicationError
from apps.dependency.imports import (
    call_import_create,
    call_import_rejections,
    call_imports_visible_to,
    check_can_import,
)
from apps.dependency.models import CallImport


class RejectionSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line number in the file (the header is line 1).")
    reason = serializers.CharField(help_text="A code: not_utf8, bad_date, bad_number, …")
    column = serializers.CharField(allow_blank=True)
    value = serializers.CharField(allow_blank=True, help_text="The start of the offending value.")
    message = serializers.CharField()

    class Meta:
        ref_name = "CallImportRejection"


class CallImportSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CallImport.Status.choices)
    file_name = serializers.CharField(source="original_name")
    uploaded_by = serializers.IntegerField(
        source="uploaded_by_id", allow_null=True, help_text="The id of the member who uploaded it."
    )
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    total_bytes = serializers.IntegerField()
    processed_bytes = serializers.IntegerField()
    progress_percent = serializers.IntegerField()
    rows_read = serializers.IntegerField()
    escalations_created = serializers.IntegerField()
    callbacks_matched = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    skipped = serializers.IntegerField()
    rejected = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "CallImportSummary"


class CallImportSerializer(CallImportSummarySerializer):
    rejections = serializers.SerializerMethodField(
        help_text="The first rejected rows (at most 200), each with its reason."
    )

    class Meta:
        ref_name = "CallImport"

    @extend_schema_field(RejectionSerializer(many=True))
    def get_rejections(self, call_import: CallImport) -> list:
        return RejectionSerializer(call_import_rejections(call_import), many=True).data


def _check_can_import(request) -> None:
    try:
        check_can_import(request.membership)
    except ApplicationError as error:
        raise PermissionDenied(error.message) from None


class CallImportListCreateApi(APIView):
    """Upload a phone-system call log, or list the imports you may see (newest first)."""

    parser_classes = [MultiPartParser]  # the project's default parser is JSON only
    pagination_class = CreatedCursorPagination

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            allow_empty_file=True,
            help_text="UTF-8 CSV, at most 50 MB, with the header row started_at, from, to, "
            "duration_seconds and optionally kind.",
        )

        class Meta:
            ref_name = "CallImportUpload"

    @extend_schema(
        operation_id="call_imports_list",
        responses={
            200: CallImportSummarySerializer(many=True),
            **problem_responses(400, 401, 403, 429),
        },
    )
    def get(self, request):
        """Imports you may see: all of the organisation's for admins, their own for managers."""
        _check_can_import(request)
        imports = call_imports_visible_to(request.membership).defer("rejections")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(imports, request, view=self)
        return paginator.get_paginated_response(CallImportSummarySerializer(page, many=True).data)

    @extend_schema(
        operation_id="call_imports_create",
        request={"multipart/form-data": InputSerializer},
        responses={
            202: CallImportSerializer,
            **problem_responses(400, 401, 403, 409, 413, 422, 429),
        },
    )
    @idempotent
    def post(self, request):
        """Upload a call log (multipart field `file`). The header is checked at once; the rows
        are imported in the background: follow `status` and the counters on the import."""
        _check_can_import(request)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call_import = call_import_create(
            actor=request.membership, upload=serializer.validated_data["file"]
        )
        return Response(CallImportSerializer(call_import).data, status=status.HTTP_202_ACCEPTED)


class CallImportDetailApi(APIView):
    """One import: its status, progress, counters and rejected rows."""

    @extend_schema(
        operation_id="call_imports_retrieve",
        responses={200: CallImportSerializer, **problem_responses(401, 403, 404, 429)},
    )
    def get(self, request, import_id: int):
        """Poll this while `status` is queued or running."""
        _check_can_import(request)
        call_import = get_object_or_404(call_imports_visible_to(request.membership), pk=import_id)
        return Response(CallImportSerializer(call_import).data)
