#!/usr/bin/env bash
# Apply on the default branch: plan the merged commit, save the plan, apply exactly that saved plan.
# With an argument, apply that saved plan file instead of planning again.
#
# Refuses to run in GitHub Actions for anything but a push to the default branch, whatever the calling
# workflow says: settings from an unmerged pull request must never reach the live systems.
# A plan that goes past the safety policy (storegate.yaml `safety:`) is not applied here: the script
# sets mass-revoke=true and stops, and the workflow's approval job, gated by an environment with
# required reviewers, runs it again with STOREGATE_ALLOW_MASS_REVOKE=true and the approver's name in
# STOREGATE_APPROVED_BY, which storegate records in the apply's history.
# Outputs: changes=true|false, applied=true|false, and mass-revoke=true when held for approval.
set -euo pipefail
# shellcheck source=.github/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ "${GITHUB_ACTIONS:-}" == true ]]; then
  default_ref="refs/heads/${STOREGATE_DEFAULT_BRANCH:?set STOREGATE_DEFAULT_BRANCH to the repository default branch}"
  if [[ "${GITHUB_EVENT_NAME:-}" != push || "${GITHUB_REF:-}" != "$default_ref" ]]; then
    echo "::error::storegate apply runs only on a push to $default_ref, not on ${GITHUB_EVENT_NAME:-?} of ${GITHUB_REF:-?}" >&2
    exit 1
  fi
fi
sg_export_credentials STOREGATE_APPLY_

plan_json="${1:-$STOREGATE_OUT/apply-plan.json}"
plan_md="$STOREGATE_OUT/apply-plan.md"
result="$STOREGATE_OUT/apply.txt"

if [[ $# -eq 0 ]]; then
  status=0
  "$STOREGATE" plan "$STOREGATE_DIR" --out "$plan_json" --format markdown --detailed-exitcode \
    >"$plan_md" || status=$?
  case "$status" in
    0)
      sg_output changes false
      sg_output applied false
      sg_guard_secrets "$plan_md" "$plan_json"
      sg_summary "$plan_md"
      exit 0
      ;;
    2) sg_output changes true ;;
    *) exit 1 ;;
  esac
else
  "$STOREGATE" show "$plan_json" --format markdown >"$plan_md"
  sg_output changes true
fi
sg_guard_secrets "$plan_md" "$plan_json"
sg_summary "$plan_md"

allow=()
if sg_exceeds_safety "$plan_json"; then
  if [[ "${STOREGATE_ALLOW_MASS_REVOKE:-}" != true ]]; then
    sg_output mass-revoke true
    sg_output applied false
    {
      echo
      echo "### storegate apply: waiting for approval"
      echo
      echo "This plan removes more access than the safety policy allows. Nothing was applied. A"
      echo "reviewer approves it in the \`${STOREGATE_MASS_REVOKE_ENVIRONMENT:-storegate-mass-revoke}\`"
      echo "environment (the approval job of this run); storegate then applies it and records who approved."
    } >"$result.md"
    sg_summary "$result.md"
    echo "storegate apply: the plan exceeds the safety policy; waiting for a reviewer's approval"
    exit 0
  fi
  allow=(--allow-mass-revoke --approved-by "${STOREGATE_APPROVED_BY:-}")
fi

status=0
"$STOREGATE" apply "$plan_json" --auto-approve --dir "$STOREGATE_DIR" "${allow[@]}" >"$result" 2>&1 ||
  status=$?
sg_guard_secrets "$result" || exit 1
cat "$result"
{
  echo
  echo "### storegate apply: $([[ $status == 0 ]] && echo succeeded || echo "failed (exit $status)")"
  echo
  echo '```text'
  cat "$result"
  echo '```'
} >"$result.md"
sg_summary "$result.md"
sg_output applied "$([[ $status == 0 ]] && echo true || echo false)"
exit "$status"
