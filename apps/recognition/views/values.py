"""STUB: replaced as the feature lands."""


def value_list(request, **kwargs):
    raise NotImplementedError


def value_edit(request, **kwargs):
    raise NotImplementedError
