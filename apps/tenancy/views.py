# STUB: replaced as the feature lands


def home(request, **kwargs):
    raise NotImplementedError
