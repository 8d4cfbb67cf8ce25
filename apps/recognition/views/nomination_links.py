"""STUB: replaced as the feature lands."""


def link_list(request, **kwargs):
    raise NotImplementedError


def link_detail(request, **kwargs):
    raise NotImplementedError


def link_revoke(request, **kwargs):
    raise NotImplementedError
