"""STUB: replaced as the feature lands."""


def form(request, **kwargs):
    raise NotImplementedError


def thanks(request, **kwargs):
    raise NotImplementedError
