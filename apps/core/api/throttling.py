from rest_framework.throttling import SimpleRateThrottle


class MembershipRateThrottle(SimpleRateThrottle):
    """Requests per membership (token holder), counted in the shared cache."""

    scope = "membership"

    def get_cache_key(self, request, view):
        membership = getattr(request, "membership", None)
        if membership is None:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        ident = f"org{membership.organization_id}:m{membership.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
