# Sourced by scripts/demo and scripts/test: make .venv if needed and install the project into it.
# Installs with uv (from PATH, or pip-installed into the venv from PyPI: one wheel), falling back to pip.
# Re-installs only when pyproject.toml changed, so repeated runs start at once.
# Usage: . scripts/_venv.sh local|dev   (always pass one: a sourced script without arguments sees its caller's)
#   local: the product and the local cloud (iacgen[local]); dev: that plus the test and lint tools.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-}"
case "$mode" in
  local) extras="local"; enough="local dev" ;;
  dev) extras="dev,local"; enough="dev" ;;
  *) echo "usage: . scripts/_venv.sh local|dev" >&2; exit 2 ;;
esac
py="${PYTHON:-python3}"
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "iacgen needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
  exit 2
fi
venv="$root/.venv"
venv_pip() { "$venv/bin/python" -m pip --version >/dev/null 2>&1 || "$venv/bin/python" -m ensurepip >/dev/null; }
want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"
current=""
for m in $enough; do
  if [ -f "$venv/.iacgen-installed-$m" ] && [ "$(cat "$venv/.iacgen-installed-$m")" = "$want" ]; then
    current="$m"
  fi
done
if [ -z "$current" ] || [ ! -x "$venv/bin/python" ]; then
  echo "Setting up .venv: iacgen[$extras] ..." >&2
  uv="$(command -v uv || true)"
  [ -z "$uv" ] && [ -x "$venv/bin/uv" ] && uv="$venv/bin/uv"
  if [ ! -x "$venv/bin/python" ]; then
    # without pip: seconds faster than seeding pip we may never need
    [ -n "$uv" ] && "$uv" venv --quiet --python "$py" "$venv" >&2 || "$py" -m venv --without-pip "$venv"
  fi
  if [ -z "$uv" ]; then
    # uv is one wheel on PyPI: the caller's pip puts it into the venv (pip >= 22.3 has --python), else the
    # venv's own pip; if uv cannot be had, pip does the install (slower, same result)
    pipq=(install --quiet --quiet --disable-pip-version-check uv)
    if "$py" -m pip --python "$venv/bin/python" "${pipq[@]}" >&2 2>/dev/null \
      || { venv_pip && "$venv/bin/python" -m pip "${pipq[@]}" >&2; }; then
      uv="$venv/bin/uv"
    else
      echo "uv could not be installed; installing with pip instead" >&2
    fi
  fi
  if [ -z "$uv" ] || ! "$uv" pip install --quiet --python "$venv/bin/python" -e "$root[$extras]" >&2; then
    [ -n "$uv" ] && echo "uv failed (above); trying pip" >&2
    venv_pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root[$extras]" >&2
  fi
  echo "$want" > "$venv/.iacgen-installed-$mode"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
