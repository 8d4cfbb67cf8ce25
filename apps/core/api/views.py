"""The API's own pages: its interactive docs, and the 404 for unknown paths."""

from functools import cache

from django.http import HttpResponse
from django.template import engines
from django.urls import Resolver404, resolve
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

# drf-spectacular's page has an inline <style>, which our CSP (`style-src 'self'`) refuses. This
# page loads only same-origin files: Swagger UI from the vendored sidecar and the init script
# from `?script`, so it needs no CSP exception at all.
DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{ title }}</title>
    <link rel="icon" href="{{ favicon_href }}">
    <link rel="stylesheet" href="{{ swagger_ui_css }}">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{{ swagger_ui_bundle }}"></script>
    <script src="{{ swagger_ui_standalone }}"></script>
    <script src="{{ script_url }}"></script>
  </body>
</html>
"""

API_NOT_FOUND = "There is no API endpoint at this address."
API_NOT_FOUND_SLASH = "There is no API endpoint at this address; did you mean %(path)s?"


@cache
def _docs_template():
    return engines["django"].from_string(DOCS_PAGE)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI, served from our own origin (no CDN) and within the site's strict CSP."""

    url_name = "api_schema"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if request.GET.get("script") is not None:
            return Response(
                data={
                    "schema_url": self._get_schema_url(request),
                    "settings": self._dump(self._swagger_settings()),
                    "oauth2_config": self._dump(spectacular_settings.SWAGGER_UI_OAUTH2_CONFIG),
                    "csrf_header_name": self._get_csrf_header_name(),
                    "schema_auth_names": self._dump(self._get_schema_auth_names()),
                },
                template_name=self.template_name_js,
                content_type="application/javascript",
            )
        context = {
            "title": self.title,
            "favicon_href": self._swagger_ui_favicon(),
            "swagger_ui_css": self._swagger_ui_resource("swagger-ui.css"),
            "swagger_ui_bundle": self._swagger_ui_resource("swagger-ui-bundle.js"),
            "swagger_ui_standalone": self._swagger_ui_resource("swagger-ui-standalone-preset.js"),
            "script_url": f"{request.path}?script=",
        }
        return HttpResponse(_docs_template().render(context, request))

    @staticmethod
    def _swagger_settings() -> dict:
        # Swagger UI would otherwise load a badge image from validator.swagger.io on any host
        # but localhost: a third-party request, and a CSP violation (`img-src 'self' data:`).
        return {**spectacular_settings.SWAGGER_UI_SETTINGS, "validatorUrl": None}


class ApiNotFoundView(APIView):
    """Unknown paths under /api/v1/ answer with a problem document, not the HTML 404 page.

    It defines no handler, so the schema skips it and every method lands in
    `http_method_not_allowed`, which says 404 instead of 405.
    """

    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    def http_method_not_allowed(self, request, *args, **kwargs):
        if not request.path_info.endswith("/"):
            try:
                match = resolve(request.path_info + "/")
            except Resolver404:
                match = None
            if match is not None and match.url_name != "api_not_found":
                raise exceptions.NotFound(API_NOT_FOUND_SLASH % {"path": request.path + "/"})
        raise exceptions.NotFound(API_NOT_FOUND)

    options = http_method_not_allowed
