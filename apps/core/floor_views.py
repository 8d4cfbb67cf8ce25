"""The framework's floor for the benchmarks: what any page or API call costs at the least.

Mounted only with BENCH_FLOOR_VIEWS=1 (salesculture/urls.py), so they never exist in a real
deployment. Each benchmark result is also given as a ratio to these.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.tenancy.models import Membership


@login_not_required
@require_safe
def django_floor(request: HttpRequest) -> HttpResponse:
    """The whole middleware stack and nothing else."""
    return HttpResponse(b"ok", content_type="text/plain")


class DrfFloorApi(APIView):
    """A bearer token (authenticated, throttled like every API call) and one query."""

    schema = None  # not part of the API's documentation

    def get(self, request: Request) -> Response:
        role = Membership.objects.filter(pk=request.membership.pk).values_list("role", flat=True)
        return Response({"role": role.first()})


drf_floor_view = login_not_required(DrfFloorApi.as_view())
