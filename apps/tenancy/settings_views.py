# STUB: replaced as the feature lands


def organization_settings(request, **kwargs):
    raise NotImplementedError


def member_list(request, **kwargs):
    raise NotImplementedError


def member_edit(request, **kwargs):
    raise NotImplementedError


def member_deactivate(request, **kwargs):
    raise NotImplementedError


def member_reactivate(request, **kwargs):
    raise NotImplementedError


def invitation_list(request, **kwargs):
    raise NotImplementedError


def invitation_revoke(request, **kwargs):
    raise NotImplementedError


def team_list(request, **kwargs):
    raise NotImplementedError


def team_edit(request, **kwargs):
    raise NotImplementedError
