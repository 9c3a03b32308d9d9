#!/usr/bin/env bash
# Who approved this run's deployment to the mass-revocation environment (its required reviewers'
# approvals), for storegate's history. Uses the gh CLI with GH_TOKEN (actions: read) and holds no
# storegate credentials. Output: approved-by=login[,login...] (empty when none is found).
set -euo pipefail
# shellcheck source=.github/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

environment="${STOREGATE_MASS_REVOKE_ENVIRONMENT:?set STOREGATE_MASS_REVOKE_ENVIRONMENT}"
approvers="$(
  gh api "repos/${GITHUB_REPOSITORY:?}/actions/runs/${GITHUB_RUN_ID:?}/approvals" \
    --jq "[.[] | select(.state == \"approved\") | select(any(.environments[]; .name == \"$environment\")) | .user.login] | unique | join(\",\")"
)"
echo "approved by: ${approvers:-nobody found}"
sg_output approved-by "$approvers"
