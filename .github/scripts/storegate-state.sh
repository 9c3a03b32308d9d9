#!/usr/bin/env bash
# Carry storegate's local state file between runners on a git branch of the access repo.
#
# Every CI job starts from a fresh checkout, so a local state file written by one apply would be gone by
# the next. With STOREGATE_STATE_BRANCH set, the state (ids and a serial, never a credential) lives as
# `state.json` on that branch: every job pulls it before planning and the apply job pushes it back after
# applying, even a failed apply, because state keeps every success. The apply job's concurrency group is
# the lock. When storegate.yaml names a shared backend (state: {type: postgres}) the branch is skipped:
# the database keeps the state, its lock and its history.
#
# Usage: storegate-state.sh pull|push
# Env: STOREGATE_STATE_BRANCH, STOREGATE_STATE_PATH (as in storegate.yaml, default .storegate/state.json),
#      STOREGATE_GIT_TOKEN (GitHub token for the fetch or push; only this step ever gets it).
set -euo pipefail
# shellcheck source=.github/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

branch="${STOREGATE_STATE_BRANCH:-}"
if [[ -z "$branch" ]]; then
  echo "storegate state: no state branch configured; storegate.yaml's backend keeps the state"
  exit 0
fi
read -r backend configured_path < <("$STOREGATE" state backend --dir "$STOREGATE_DIR")
if [[ "$backend" != "local" ]]; then
  echo "storegate state: storegate.yaml keeps the state in $backend; no state branch needed"
  exit 0
fi
state_file="$STOREGATE_DIR/${STOREGATE_STATE_PATH:-$configured_path}"
remote_ref="refs/remotes/origin/$branch"

sg_git() {
  if [[ -n "${STOREGATE_GIT_TOKEN:-}" ]]; then
    local basic
    basic="$(printf 'x-access-token:%s' "$STOREGATE_GIT_TOKEN" | base64 -w0)"
    echo "::add-mask::$basic"
    git -c "http.https://github.com/.extraheader=AUTHORIZATION: basic $basic" "$@"
  else
    git "$@"
  fi
}

fetch_branch() {
  local status=0
  sg_git ls-remote --exit-code --heads origin "$branch" >/dev/null || status=$?
  case "$status" in
    0) sg_git fetch --quiet --no-tags origin "+refs/heads/$branch:$remote_ref" ;;
    2) return 1 ;;
    *) echo "::error::storegate state: cannot reach the state branch $branch on origin" >&2; exit 1 ;;
  esac
}

case "${1:-}" in
  pull)
    if fetch_branch; then
      mkdir -p "$(dirname "$state_file")"
      git show "$remote_ref:state.json" >"$state_file"
      echo "storegate state: pulled $state_file from branch $branch"
    else
      echo "storegate state: branch $branch does not exist yet; starting from empty state"
    fi
    ;;
  push)
    if [[ ! -f "$state_file" ]]; then
      echo "storegate state: no state file at $state_file; nothing to push"
      exit 0
    fi
    parent=()
    if fetch_branch; then
      parent=(-p "$remote_ref")
      if [[ "$(git rev-parse --quiet --verify "$remote_ref:state.json" || true)" == "$(git hash-object "$state_file")" ]]; then
        echo "storegate state: unchanged"
        exit 0
      fi
    fi
    blob="$(git hash-object -w "$state_file")"
    tree="$(printf '100644 blob %s\tstate.json\n' "$blob" | git mktree)"
    commit="$(
      GIT_AUTHOR_NAME="${GIT_AUTHOR_NAME:-storegate}" GIT_AUTHOR_EMAIL="${GIT_AUTHOR_EMAIL:-storegate@users.noreply.github.com}" \
        GIT_COMMITTER_NAME="${GIT_COMMITTER_NAME:-storegate}" GIT_COMMITTER_EMAIL="${GIT_COMMITTER_EMAIL:-storegate@users.noreply.github.com}" \
        git commit-tree "$tree" "${parent[@]}" -m "storegate state after applying ${GITHUB_SHA:-$(git rev-parse --short HEAD 2>/dev/null || echo a local run)}"
    )"
    sg_git push --quiet origin "$commit:refs/heads/$branch"
    echo "storegate state: pushed $state_file to branch $branch"
    ;;
  *)
    echo "usage: storegate-state.sh pull|push" >&2
    exit 2
    ;;
esac
