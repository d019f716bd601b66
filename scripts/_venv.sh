# Sourced by scripts/demo and scripts/test: make .venv if needed and install the project into it.
# Re-installs only when pyproject.toml changed, so repeated runs start at once.
# Usage: . scripts/_venv.sh base|dev   (always pass one: a sourced script without arguments sees its caller's)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${1:-}" in
  base) extra="" ;;
  dev) extra="dev" ;;
  *) echo "usage: . scripts/_venv.sh base|dev" >&2; exit 2 ;;
esac
py="${PYTHON:-python3}"
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "iacgen needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
  exit 2
fi
venv="$root/.venv"
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
spec="$root"
[ -n "$extra" ] && spec="$root[$extra]"
stamp="$venv/.iacgen-installed-${extra:-base}"
want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing iacgen${extra:+ with $extra extras} into .venv ..." >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec" >&2
  echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
