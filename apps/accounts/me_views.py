# STUB: replaced as the feature lands


def profile(request, **kwargs):
    raise NotImplementedError


def notification_preferences(request, **kwargs):
    raise NotImplementedError


def token_list(request, **kwargs):
    raise NotImplementedError


def token_revoke(request, **kwargs):
    raise NotImplementedError
