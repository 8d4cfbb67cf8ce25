"""The app's own settings for the fault-test processes, with one change: a fast password hasher.

Logging in is part of several scenarios; the production hasher costs about a second per login on
a loaded CI machine, which says nothing about faults (tests/conftest.py does the same in-process).
"""

from salesculture.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
