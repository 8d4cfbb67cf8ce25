# STUB: replaced as the feature lands


def signup(request, **kwargs):
    raise NotImplementedError


def organization_create(request, **kwargs):
    raise NotImplementedError


def invitation_accept(request, **kwargs):
    raise NotImplementedError


from django.contrib.auth import views as _v
LoginView = _v.LoginView
PasswordChangeView = _v.PasswordChangeView
