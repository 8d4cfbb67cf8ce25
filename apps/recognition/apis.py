"""STUB: replaced as the feature lands."""

from rest_framework.views import APIView


class KudosListCreateApi(APIView):
    pass


class KudosDetailApi(APIView):
    pass


class ReactionCreateApi(APIView):
    pass


class ReactionDeleteApi(APIView):
    pass


class LetterListCreateApi(APIView):
    pass


class LetterAcknowledgeApi(APIView):
    pass


class ValueListApi(APIView):
    pass


class MemberRecognitionApi(APIView):
    pass
