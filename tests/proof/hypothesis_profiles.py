"""Hypothesis profiles: "ci" (the default, sized for `make test`) and "fuzz" (`make fuzz`).

Select one with HYPOTHESIS_PROFILE=fuzz. Tests that name their own example count write
`settings(max_examples=examples(30))`: 30 in "ci", the same share of the larger budget in "fuzz".
"""

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 25
FUZZ_EXAMPLES = 500  # twenty times as many

_COMMON = {
    "deadline": None,  # two shared cores: timing says nothing about correctness here
    # The tests build their world once per test (a database transaction) and every example
    # works inside it; they say so by making each example independent of the others.
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    "print_blob": True,  # a failure prints the @reproduce_failure line that replays it
}

# CI: the same examples on every run, so a red build is reproducible and never a fluke of one
# run's luck; no example database (nothing written to the work tree). Finding new inputs is
# what the "fuzz" profile is for.
settings.register_profile(
    "ci",
    max_examples=CI_EXAMPLES,
    derandomize=True,
    database=None,
    **_COMMON,
)
# Fuzz: random, many more examples, and the example database (.hypothesis/, git-ignored)
# replays earlier failures first.
settings.register_profile("fuzz", max_examples=FUZZ_EXAMPLES, **_COMMON)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(ci_count: int) -> int:
    """A test's example count in the active profile: `ci_count` in "ci", scaled up in "fuzz"."""
    return max(1, round(ci_count * settings.default.max_examples / CI_EXAMPLES))
