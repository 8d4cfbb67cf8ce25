# STUB: replaced as the feature lands


def notification_list(request, **kwargs):
    raise NotImplementedError


def notification_mark_all_read(request, **kwargs):
    raise NotImplementedError


def notification_open(request, **kwargs):
    raise NotImplementedError


def unsubscribe(request, **kwargs):
    raise NotImplementedError
