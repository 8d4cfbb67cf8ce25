from apps.tenancy.selectors import organizations_for_user


def tenant(request) -> dict:
    """The current organisation and membership, and a lazy list for the organisation switcher."""
    user = getattr(request, "user", None)
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        "switchable_organizations": (
            organizations_for_user(user) if user is not None and user.is_authenticated else []
        ),
    }
