#!/usr/bin/env bash
# Print the command that runs uv, installing uv for this Python first if there is none.
#
#   UV="$(scripts/bootstrap-uv.sh)" && $UV sync --frozen
#
# Python comes from pyenv (.python-version says 3.13); uv never downloads an interpreter here.
set -euo pipefail
export UV_PYTHON_DOWNLOADS=never

if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then
  echo uv
  exit 0
fi
if python3 -m uv --version >/dev/null 2>&1; then
  echo "python3 -m uv"
  exit 0
fi
echo "bootstrap-uv: installing uv with $(python3 --version 2>&1) (python3 -m pip install uv)" >&2
python3 -m pip install --quiet uv >&2 ||
  {
    echo "bootstrap-uv: ERROR: could not install uv; install it with: python3 -m pip install uv" >&2
    exit 1
  }
command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
if python3 -m uv --version >/dev/null 2>&1; then
  echo "python3 -m uv"
else
  echo "bootstrap-uv: ERROR: uv was installed but does not run (python3 -m uv --version)" >&2
  exit 1
fi
