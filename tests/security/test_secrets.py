"""Secrets come only from the environment: production refuses to start without its own
SECRET_KEY, and the settings hold no secret-looking literal (ruff's S rules also run)."""

import ast
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SETTINGS_FILES = ["salesculture/settings.py", "salesculture/env.py", "salesculture/celery.py"]
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE|CREDENTIAL", re.I)
URL_WITH_PASSWORD = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
DEVELOPMENT_KEY = "dev-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"


def _import_settings(**env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("SECRET_KEY", "PRODUCTION", "DEBUG")}  # fmt: skip
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import salesculture.settings as s; print(len(s.SECRET_KEY))"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "env",
    [
        {"PRODUCTION": "1"},
        {"PRODUCTION": "1", "SECRET_KEY": ""},
        {"PRODUCTION": "1", "DEBUG": "1"},  # debugging production is no reason for a public key
        {"PRODUCTION": "1", "SECRET_KEY": DEVELOPMENT_KEY},
    ],
    ids=["unset", "empty", "debug", "the-development-key"],
)
def test_production_refuses_to_start_without_its_own_secret_key(env):
    result = _import_settings(**env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production." in result.stderr


def test_production_starts_with_a_key_from_the_environment():
    result = _import_settings(PRODUCTION="1", SECRET_KEY="k" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "60"


def _literal(value: ast.expr | None) -> str | None:
    """The string a setting gets from the code itself: a literal, or the literal default of an
    `env_*("NAME", default=...)` read."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Call):
        for keyword in value.keywords:
            if keyword.arg == "default":
                return _literal(keyword.value)
    return None


def _literal_assignments(path: pathlib.Path):
    """(name, literal, line) for settings (names and dict keys) given a string in the code."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and (literal := _literal(node.value)) is not None:
                    yield target.id, literal, node.lineno
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and (literal := _literal(value)) is not None:
                    yield str(key.value), literal, node.lineno


def _all_strings(path: pathlib.Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value, node.lineno


@pytest.mark.parametrize("relative", SETTINGS_FILES)
def test_no_secret_looking_literal_in_the_settings(relative):
    path = ROOT / relative
    found = []
    for literal, line in _all_strings(path):
        if URL_WITH_PASSWORD.search(literal):
            found.append(f"{relative}:{line} a URL with a password")
    for name, literal, line in _literal_assignments(path):
        if SECRET_NAME.search(name) and literal and name != "DEVELOPMENT_SECRET_KEY":
            found.append(f"{relative}:{line} {name} = a literal")
    assert found == []


def test_the_only_literal_key_is_the_public_development_one():
    """It says what it is, and production refuses it (above)."""
    literals = [literal for name, literal, _ in _literal_assignments(ROOT / SETTINGS_FILES[0])
                if name == "DEVELOPMENT_SECRET_KEY"]  # fmt: skip
    assert literals == [DEVELOPMENT_KEY]


def test_secret_settings_are_read_from_the_environment():
    source = (ROOT / SETTINGS_FILES[0]).read_text()
    for name in ("SECRET_KEY", "EMAIL_HOST_PASSWORD", "DATABASE_URL", "REDIS_URL"):
        assert re.search(rf'env_str\("{name}"', source), name
