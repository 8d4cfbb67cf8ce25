"""STUB: replaced as the feature lands."""


def wall(request, **kwargs):
    raise NotImplementedError


def compose(request, **kwargs):
    raise NotImplementedError


def people_search(request, **kwargs):
    raise NotImplementedError


def detail(request, **kwargs):
    raise NotImplementedError


def react(request, **kwargs):
    raise NotImplementedError


def hide(request, **kwargs):
    raise NotImplementedError
