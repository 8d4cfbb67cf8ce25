"""`/api/v1/me/`: who the bearer token speaks for (tokens are managed on the /me/ page)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.problems import problem_responses
from apps.tenancy.apis import MemberOutputSerializer


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes `BearerTokenAuthentication` in the OpenAPI document (registered on import)."""

    target_class = "apps.accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 - the scheme's name, not a secret
        )


class MeApi(APIView):
    """Who the token speaks for: the holder's membership and its organisation."""

    class OutputSerializer(MemberOutputSerializer):
        """The token holder's membership, with its organisation."""

        class OrganizationSerializer(serializers.Serializer):
            slug = serializers.SlugField()
            name = serializers.CharField()
            time_zone = serializers.CharField()

            class Meta:
                ref_name = "Organization"

        organization = OrganizationSerializer()

        class Meta:
            ref_name = "Me"

    @extend_schema(
        operation_id="me_retrieve",
        responses={200: OutputSerializer, **problem_responses(401, 429)},
    )
    def get(self, request):
        # The membership was loaded with its user and team while authenticating the token, and
        # the organisation by the tenant middleware.
        membership = request.membership
        membership.organization = request.organization
        return Response(self.OutputSerializer(membership).data)
