"""STUB: replaced as the feature lands."""


def queue(request, **kwargs):
    raise NotImplementedError


def detail(request, **kwargs):
    raise NotImplementedError


def moderate(request, **kwargs):
    raise NotImplementedError


def erase_customer(request, **kwargs):
    raise NotImplementedError


def delete(request, **kwargs):
    raise NotImplementedError
