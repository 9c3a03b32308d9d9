#!/usr/bin/env bash
# Drift detection: plan the default branch with the read-only credentials. A non-empty plan means the
# live systems no longer match git (someone clicked in a dashboard, an integration undid a revocation).
# Then writes the HTML access report (storegate report) from that plan, for the people who decide
# access: one page per account, published by the workflow as an artifact.
# Outputs: drifted=true|false. Files in $STOREGATE_OUT: drift-plan.json, drift.md (the issue body),
# report/ (index.html and accounts/*.html).
set -euo pipefail
# shellcheck source=.github/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sg_export_credentials STOREGATE_PLAN_

plan_json="$STOREGATE_OUT/drift-plan.json"
body="$STOREGATE_OUT/drift.md"

status=0
# A manual step an apply recorded counts as drift only once it has waited longer than the grace.
"$STOREGATE" plan "$STOREGATE_DIR" --out "$plan_json" --format markdown --detailed-exitcode \
  --manual-grace-hours "${STOREGATE_MANUAL_GRACE_HOURS:-24}" >"$body.plan" || status=$?
case "$status" in
  0) sg_output drifted false ;;
  2) sg_output drifted true ;;
  *) exit 1 ;;
esac
{
  echo "<!-- storegate-drift -->"
  if [[ $status == 2 ]]; then
    echo "The live systems drifted from git. Merging any change to the access repo applies the plan below and"
    echo "puts them back; if the live change was right, change the YAML in a pull request instead."
  else
    echo "No drift: the live systems match git."
  fi
  echo
  cat "$body.plan"
  echo
  echo "<sub>Checked $(date -u '+%Y-%m-%d %H:%M UTC') in $(sg_run_link).</sub>"
} >"$body"
rm -f "$body.plan"
sg_truncate "$body"
sg_guard_secrets "$body" "$plan_json"
sg_summary "$body"

report="$STOREGATE_OUT/report"
"$STOREGATE" report "$STOREGATE_DIR" --out "$report" --plan "$plan_json" --no-live
mapfile -t pages < <(find "$report" -name '*.html' -type f)
sg_guard_secrets "${pages[@]}"
