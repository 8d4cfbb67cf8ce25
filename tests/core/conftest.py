"""API fixtures: clients that authenticate as a membership with a real bearer token."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.tokens import api_token_create
from apps.tenancy.context import tenant_context


@pytest.fixture
def api_client(db) -> APIClient:
    """A client without credentials."""
    return APIClient()


@pytest.fixture
def api_client_for(db):
    """A client sending `Authorization: Bearer <a new token of membership>`."""

    def make(membership) -> APIClient:
        with tenant_context(membership.organization_id):
            issued = api_token_create(membership=membership, name="Test integration")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
        return client

    return make
