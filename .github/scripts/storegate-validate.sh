#!/usr/bin/env bash
# Validate the access repo. In GitHub Actions the `--format github` lines become annotations inline on
# the pull request's diff. Needs no credentials: this is the only step fork pull requests get.
set -euo pipefail
# shellcheck source=.github/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

status=0
"$STOREGATE" validate "$STOREGATE_DIR" --format github >"$STOREGATE_OUT/validate.txt" || status=$?

# Annotations must name files from the repository root to land on the diff; storegate names them from
# the access repo directory, so prefix that directory when it is not the root.
prefix="${STOREGATE_DIR#./}"
prefix="${prefix%/}"
if [[ -n "$prefix" && "$prefix" != "." ]]; then
  sed -E "s#^(::[a-z]+ ([^:]*,)?file=)#\\1${prefix//#/\\#}/#" "$STOREGATE_OUT/validate.txt"
else
  cat "$STOREGATE_OUT/validate.txt"
fi
exit "$status"
