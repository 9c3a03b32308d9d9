#!/usr/bin/env bash
# The pull-request plan: plan with the read-only credentials, save the plan, and write the markdown
# for the job summary and the sticky PR comment. Runs nothing that writes to a live system.
#
# Outputs (GitHub step outputs): changes=true|false, exitcode=0|1|2.
# Files in $STOREGATE_OUT: plan.json (the saved plan), plan.md, comment.md.
set -euo pipefail
# shellcheck source=.github/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sg_export_credentials STOREGATE_PLAN_

plan_json="$STOREGATE_OUT/plan.json"
plan_md="$STOREGATE_OUT/plan.md"
comment="$STOREGATE_OUT/comment.md"
errors="$STOREGATE_OUT/plan-errors.txt"

status=0
"$STOREGATE" plan "$STOREGATE_DIR" --out "$plan_json" --format markdown --detailed-exitcode \
  >"$plan_md" 2>"$errors" || status=$?
cat "$errors" >&2
sg_output exitcode "$status"

commit="${PR_HEAD_SHA:-${GITHUB_SHA:-$(git -C "$STOREGATE_DIR" rev-parse HEAD 2>/dev/null || echo unknown)}}"
case "$status" in
  0 | 2)
    sg_output changes "$([[ $status == 2 ]] && echo true || echo false)"
    {
      cat "$plan_md"
      echo
      echo "---"
      if [[ $status == 2 ]]; then
        echo "<sub>Planned at ${commit:0:12} in $(sg_run_link) with read-only credentials. Merging this pull request applies a fresh plan of the default branch; review the changes above before approving.</sub>"
      else
        echo "<sub>Planned at ${commit:0:12} in $(sg_run_link). Merging changes nothing in the live systems.</sub>"
      fi
    } >"$comment"
    ;;
  *)
    sg_output changes false
    {
      echo "<!-- storegate-plan -->"
      echo "## storegate plan failed"
      echo
      echo "storegate could not plan commit ${commit:0:12}; nothing was changed. The error:"
      echo
      echo '```text'
      cat "$errors"
      echo '```'
      echo
      echo "<sub>See $(sg_run_link) for the full log.</sub>"
    } >"$comment"
    ;;
esac

sg_truncate "$comment"
sg_guard_secrets "$comment" "$plan_md" "$plan_json" "$errors"
sg_summary "$comment"
[[ $status == 0 || $status == 2 ]] || exit 1
