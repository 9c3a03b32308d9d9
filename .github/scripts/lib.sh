# shellcheck shell=bash
# Shared by the storegate workflow scripts: credentials, step outputs, job summary, secret guard.
# Each script runs unchanged in GitHub Actions and on a laptop (tests/workflow runs them in order).

# shellcheck disable=SC2034  # used by the scripts that source this file
STOREGATE="${STOREGATE_BIN:-storegate}"
STOREGATE_DIR="${STOREGATE_DIR:-.}"
STOREGATE_OUT="${STOREGATE_OUT:-${RUNNER_TEMP:-/tmp}/storegate}"
# The PR comment limit is 65,536 characters; leave room for the header and footer.
STOREGATE_COMMENT_LIMIT="${STOREGATE_COMMENT_LIMIT:-60000}"
mkdir -p "$STOREGATE_OUT"

# Export the credentials whose secret (or variable) name starts with PREFIX, without the prefix:
# STOREGATE_PLAN_SF_SESSION_ID becomes SF_SESSION_ID, the name storegate.yaml refers to as
# env:SF_SESSION_ID. Only this job's prefix is exported, and the JSON of every secret is dropped
# from the environment before storegate runs. Names exported are remembered for sg_guard_secrets.
sg_export_credentials() {
  local prefix="$1" pair name
  local -a exported=()
  for json_var in STOREGATE_SECRETS_JSON STOREGATE_VARS_JSON; do
    [[ -n "${!json_var:-}" ]] || continue
    while IFS= read -r -d '' pair; do
      name="${pair%%=*}"
      export "$name=${pair#*=}"
      [[ "$json_var" == STOREGATE_SECRETS_JSON ]] && exported+=("$name")
    done < <(
      PREFIX="$prefix" python3 -c '
import json, os, sys
prefix = os.environ["PREFIX"]
for key, value in json.loads(sys.stdin.read() or "{}").items():
    if key.startswith(prefix) and len(key) > len(prefix) and isinstance(value, str):
        sys.stdout.write(f"{key[len(prefix):]}={value}\0")
' <<<"${!json_var}"
    )
    unset "$json_var"
  done
  STOREGATE_SECRET_NAMES="${STOREGATE_SECRET_NAMES:-} ${exported[*]}"
  export STOREGATE_SECRET_NAMES
}

# Write name=value to the step's outputs (GitHub Actions) or nowhere (elsewhere).
sg_output() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

# Append a markdown file to the job summary page.
sg_summary() {
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    cat "$1" >>"$GITHUB_STEP_SUMMARY"
  fi
}

# Fail closed if any credential value appears in the given files: storegate's renderers redact secrets,
# and this is the belt to those braces before anything leaves the runner (PR comment, artifact, issue).
sg_guard_secrets() {
  local name value file
  for name in ${STOREGATE_SECRET_NAMES:-}; do
    value="${!name:-}"
    ((${#value} >= 4)) || continue
    for file in "$@"; do
      if [[ -f "$file" ]] && grep -qF -- "$value" "$file"; then
        echo "::error::the value of credential $name appeared in $(basename "$file"); it was deleted and nothing was published" >&2
        rm -f -- "$@"
        return 1
      fi
    done
  done
}

# The link back to this run, for comments and issues.
sg_run_link() {
  if [[ -n "${GITHUB_RUN_ID:-}" ]]; then
    printf '[run %s](%s/%s/actions/runs/%s)' "$GITHUB_RUN_ID" "${GITHUB_SERVER_URL:-https://github.com}" \
      "${GITHUB_REPOSITORY:-}" "$GITHUB_RUN_ID"
  else
    printf 'a local run'
  fi
}

# Keep a markdown body within the comment size limit; the full plan stays in the artifact and summary.
sg_truncate() {
  local file="$1"
  if (($(wc -c <"$file") > STOREGATE_COMMENT_LIMIT)); then
    head -c "$STOREGATE_COMMENT_LIMIT" "$file" >"$file.cut"
    printf '\n\n%s\n' "… plan truncated to fit a comment: the full plan is in the job summary and the storegate-plan artifact." >>"$file.cut"
    mv "$file.cut" "$file"
  fi
}

# True when a saved plan (JSON) goes past the safety policy: its warnings carry a SAFETY code, and
# `storegate apply` refuses it without --allow-mass-revoke.
sg_exceeds_safety() {
  python3 -c '
import json, sys
plan = json.load(open(sys.argv[1], encoding="utf-8"))
codes = [w.get("code", "") for w in plan.get("warnings", [])]
sys.exit(0 if any(str(c).startswith("SAFETY") for c in codes) else 1)
' "$1"
}
