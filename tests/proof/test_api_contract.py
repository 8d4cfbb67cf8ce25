"""The API keeps its OpenAPI contract whatever a client sends.

schemathesis generates requests for every operation of the document served at /api/v1/schema/
(valid ones, and ones that break the schema: wrong types, missing or extra fields, NUL bytes,
long strings) and sends them through Django's WSGI handler in-process, with an admin's bearer
token (admins reach every endpoint) and with a rep's (whose permissions differ). Every answer:

- is never a server error;
- has a documented status code, content type (errors are application/problem+json), headers and
  body shape;
- refuses input that breaks the schema with a 4xx;
- never succeeds on another organisation's object.

Input that fits the schema may still be refused (an id of another organisation in a body is a
400, an escalation date before 2000 too), so schemathesis's "positive data accepted" check is
left out. Path ids are drawn from the organisation's own rows, from the outsider's rows, or as
generated, so the views' deeper code runs too. Every string parameter and body property also
gets explicit NULs, lone surrogates, bidi controls and a 60 kB string.

Sizes follow the Hypothesis profile (tests/proof/hypothesis_profiles.py): in "fuzz" (make fuzz)
twenty times the examples, schemathesis's coverage phase (every boundary value of every
parameter) and its check that a request without the token is refused.
"""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.proof.conftest import ID_PARAMETERS
from tests.proof.hypothesis_profiles import PROFILE, examples

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]


def _document() -> dict:
    """The document /api/v1/schema/ serves (the same generator), without a request."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = WSGIHandler()
# The coverage phase adds every boundary case of every parameter (hundreds per operation): in
# "fuzz" only. In "ci" the explicit hostile strings below stand in for its NULs and long strings.
schema.config.phases.coverage.enabled = PROFILE == "fuzz"
# Unknown query parameters and headers are ignored, as HTTP APIs commonly do; the document does
# not promise to refuse them.
schema.config.generation.update(allow_extra_parameters=False)

CONTRACT_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# For generated requests also: input that breaks the schema is refused; and in "fuzz", a request
# without the token is refused too (one more request per example).
GENERATED_CHECKS = [*CONTRACT_CHECKS, negative_data_rejection] + (
    [ignored_auth] if PROFILE == "fuzz" else []
)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _aim_path_ids(case, data, world) -> bool:
    """Point the path's ids at our rows, the outsider's, or leave them as generated; True when
    an id is the outsider's."""
    theirs = False
    for name, value in list(case.path_parameters.items()):
        if name not in ID_PARAMETERS or not isinstance(value, int) or value < 1:
            continue  # a schema-breaking id stays as generated
        pick = data.draw(st.sampled_from(["ours", "generated", "outsider's"]), label=name)
        if pick == "ours":
            case.path_parameters[name] = world.ids(world.ours)[name]
        elif pick == "outsider's":
            case.path_parameters[name] = world.ids(world.theirs)[name]
            theirs = True
    return theirs


def _send(case, data, world, token: str):
    theirs = _aim_path_ids(case, data, world)
    response = case.call_and_validate(headers=_bearer(token), checks=GENERATED_CHECKS)
    if theirs:
        assert response.status_code >= 400, "another organisation's object was answered"
    return response


@schema.parametrize()
@schema.given(data=st.data())
@settings(max_examples=examples(10))
def test_as_an_admin_every_operation_keeps_its_contract(case, data, world):
    _send(case, data, world, world.admin_token)


@schema.parametrize()
@schema.given(data=st.data())
@settings(max_examples=examples(6))
def test_as_a_rep_every_operation_keeps_its_contract(case, data, world):
    _send(case, data, world, world.rep_token)


# --- Explicit hostile strings in every string parameter -----------------------------------------

# NULs, bidi controls and a byte-order mark, a huge string of four-byte characters.
HOSTILE = ["\x00", "a\x00b", "\u202e\ufeff", "🙂" * 10_000 + "x" * 20_000]
# Only JSON can carry a lone surrogate (as an escape, "\ud800"), and a header neither it nor NUL.
BODY_ONLY = ["\ud800", "a\udfffb"]
HEADER_SAFE = ["x" * 8_000, "é"]


def _resolve(node: dict) -> dict:
    while "$ref" in node or ("allOf" in node and len(node["allOf"]) == 1):
        if "$ref" in node:
            node = DOCUMENT["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
        else:
            node = {**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}}
    return node


def _plausible(name: str, node: dict, ids: dict[str, int]):
    """A value that fits the property, so that the hostile one is not the only thing wrong."""
    node = _resolve(node)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "integer":
        return ids.get(f"{name}_id", ids["member_id"])
    if kind == "array":
        return [_plausible(name, node.get("items", {}), ids)]
    if kind == "boolean":
        return False
    if node.get("format") == "date-time":
        return "2025-01-14T09:00:00Z"
    return "x"


def _json_body(operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    return None if content is None else _resolve(content["schema"])


def _string_targets(operation: dict) -> list[tuple[str, str]]:
    """(location, name) of every string parameter and JSON body property of an operation."""
    targets = [
        (parameter["in"], parameter["name"])
        for parameter in operation.get("parameters", [])
        if _resolve(parameter["schema"]).get("type") == "string"
        or "enum" in _resolve(parameter["schema"])
    ]
    body = _json_body(operation)
    for name, node in (body or {}).get("properties", {}).items():
        if _resolve(node).get("type", "string") == "string":
            targets.append(("body", name))
    return targets


OPERATIONS_WITH_STRINGS = [
    (path, method)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
    if _string_targets(operation)
]


@pytest.mark.parametrize(("path", "method"), OPERATIONS_WITH_STRINGS)
def test_hostile_strings_in_every_string_parameter_are_refused_cleanly(our_world, path, method):
    """Each string parameter and body property in turn gets NULs, a lone surrogate, bidi
    controls and a 60 kB string (schemathesis's generation reaches them only now and then)."""
    raw = DOCUMENT["paths"][path][method]
    operation = schema[path][method.upper()]
    ids = our_world.ids(our_world.ours)
    body_schema = _json_body(raw)
    for location, name in _string_targets(raw):
        values = {"header": HEADER_SAFE, "body": HOSTILE + BODY_ONLY}.get(location, HOSTILE)
        for value in values:
            parts = {
                "path_parameters": {
                    p["name"]: ids.get(p["name"], "👏")
                    for p in raw.get("parameters", [])
                    if p["in"] == "path"
                },
                "query": {},
                "headers": {},
            }
            if body_schema is not None:
                properties = body_schema.get("properties", {})
                body = {
                    key: _plausible(key, properties[key], ids)
                    for key in body_schema.get("required", [])
                }
                parts.update(body=body, media_type="application/json")
            target = {"path": "path_parameters", "header": "headers"}.get(location, location)
            parts[target][name] = value
            case = operation.Case(**parts)
            response = case.call_and_validate(
                headers=_bearer(our_world.admin_token), checks=CONTRACT_CHECKS
            )
            assert response.status_code < 500, (location, name, value[:20])
