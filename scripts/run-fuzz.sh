#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS (default 30) from its seed corpus in fuzz/corpus/<target>/.
# New inputs go to build-fuzz/corpus/<target>/ (the seeds in the repo stay as committed); a crash
# leaves its input in build-fuzz/artifacts/ and makes the script fail.
# Usage: scripts/run-fuzz.sh [SECONDS] [TARGET...]   (targets: smtp_command smtp_reply smtp_data
#        dns_message mta_config scenario dsn_parse admin_api flow_log_line; default all)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${FUZZ_BUILD:-build-fuzz}
SECONDS_EACH=${1:-30}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(smtp_command smtp_reply smtp_data dns_message mta_config scenario dsn_parse admin_api flow_log_line)

mkdir -p "$BUILD/artifacts"
failed=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/corpus/$t"
  echo "== $t: ${SECONDS_EACH}s"
  if ! "$BUILD/${t}_fuzz" "$BUILD/corpus/$t" "fuzz/corpus/$t" -max_total_time="$SECONDS_EACH" \
      -max_len=16384 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$BUILD/artifacts/$t-" 2> "$BUILD/$t.log"; then
    failed+=("$t")
    tail -40 "$BUILD/$t.log"
  fi
  grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$BUILD/$t.log" | tail -2 || true
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: crashes in ${failed[*]} (inputs in $BUILD/artifacts/)"
  exit 1
fi
echo "fuzz: all targets ran ${SECONDS_EACH}s without a crash"
