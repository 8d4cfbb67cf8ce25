# STUB: replaced as the feature lands


def audit_log(request, **kwargs):
    raise NotImplementedError
