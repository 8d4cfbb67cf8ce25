"""STUB: replaced as the feature lands."""


def team_recognition(request, **kwargs):
    raise NotImplementedError


def recognition_page(request, **kwargs):
    raise NotImplementedError


def recognition_csv(request, **kwargs):
    raise NotImplementedError


def recognition_print(request, **kwargs):
    raise NotImplementedError
