#!/usr/bin/env bash
# Keep one open issue for drift: open it (or update its body) when drifted, close it when not.
# Uses the gh CLI with GH_TOKEN; needs `issues: write` and no storegate credentials at all.
# Usage: storegate-drift-issue.sh true|false BODY_FILE
set -euo pipefail

drifted="$1"
body="$2"
label="${STOREGATE_DRIFT_LABEL:-storegate-drift}"
title="${STOREGATE_DRIFT_TITLE:-storegate: live systems drifted from git}"

number="$(gh issue list --label "$label" --state open --limit 1 --json number --jq '.[0].number // empty')"
if [[ "$drifted" == true ]]; then
  if [[ -n "$number" ]]; then
    gh issue edit "$number" --body-file "$body"
    echo "updated drift issue #$number"
  else
    gh label create "$label" --color D93F0B --description "storegate drift detection" --force
    gh issue create --title "$title" --label "$label" --body-file "$body"
  fi
elif [[ -n "$number" ]]; then
  gh issue close "$number" --comment "The live systems match git again; closing."
  echo "closed drift issue #$number"
else
  echo "no drift and no open drift issue"
fi
