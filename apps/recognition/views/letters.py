"""STUB: replaced as the feature lands."""


def letter_list(request, **kwargs):
    raise NotImplementedError


def compose(request, **kwargs):
    raise NotImplementedError


def detail(request, **kwargs):
    raise NotImplementedError


def acknowledge(request, **kwargs):
    raise NotImplementedError
