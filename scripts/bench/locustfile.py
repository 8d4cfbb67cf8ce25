"""Throughput: 20 clients without think time against one target of the bench (run by measure.py).

BENCH_TARGET_FILE names a JSON file with the request to repeat: method, path, a list of header
sets and a list of bodies (both used round robin, so writes spread over several members and
stay within the API's per-member rate).
"""

import itertools
import json
import os

from locust import FastHttpUser, constant, task

with open(os.environ["BENCH_TARGET_FILE"]) as file:
    SPEC = json.load(file)
_HEADERS = itertools.cycle(SPEC["headers"] or [{}])
_BODIES = itertools.cycle(SPEC["bodies"] or [None])
_EXPECTED = set(SPEC["expect"])


class BenchClient(FastHttpUser):
    wait_time = constant(0)

    @task
    def request(self) -> None:
        headers = dict(next(_HEADERS))
        body = next(_BODIES)
        kwargs = {"headers": headers, "name": SPEC["name"], "catch_response": True}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            headers["Content-Type"] = "application/json"
        with self.client.request(SPEC["method"], SPEC["path"], **kwargs) as response:
            if response.status_code in _EXPECTED:
                response.success()
            else:
                response.failure(f"status {response.status_code}")
