#!/usr/bin/env bash
# Validate the access repo. In GitHub Actions the `--format github` lines become annotations inline on
# the pull request's diff (storegate names each file from the working directory, the repository root,
# so a subdirectory access repo annotates the right file). Needs no credentials: this is the only step
# fork pull requests get.
set -euo pipefail
# shellcheck source=.github/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$STOREGATE" validate "$STOREGATE_DIR" --format github
