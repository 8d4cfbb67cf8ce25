import hashlib

from rest_framework.throttling import SimpleRateThrottle

from apps.core import ratelimit


class MembershipRateThrottle(SimpleRateThrottle):
    """Requests per membership (token holder), counted in the shared counters table.

    A fixed window (`API_RATE`, say 1200 a minute, from the window's first request) counted by
    one upsert, instead of DRF's sliding log: that one kept every request's timestamp in a
    cached list, read, unpickled, pickled and written back on every call. A fixed window lets a
    client send up to twice the rate across a window's end, never more; what it protects (the
    server from one runaway integration) does not need more precision.
    """

    scope = "membership"

    def get_cache_key(self, request, view):
        membership = getattr(request, "membership", None)
        if membership is None:  # by client address, hashed as every stored address is
            digest = hashlib.sha256(self.get_ident(request).encode()).hexdigest()[:32]
            return self.cache_format % {"scope": self.scope, "ident": f"client:{digest}"}
        ident = f"org{membership.organization_id}:m{membership.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        counted = ratelimit.hit_window(self.key, window=self.duration)
        self._resets_in = counted.resets_in
        return counted.count <= self.num_requests

    def wait(self) -> float | None:
        return getattr(self, "_resets_in", None)
