"""STUB: replaced as the feature lands."""

from rest_framework.views import APIView


class LinkListCreateApi(APIView):
    pass


class LinkDetailApi(APIView):
    pass


class LinkRevokeApi(APIView):
    pass


class NominationListApi(APIView):
    pass


class NominationApproveApi(APIView):
    pass


class NominationRejectApi(APIView):
    pass


class NominationSpamApi(APIView):
    pass
