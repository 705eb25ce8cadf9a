#!/usr/bin/env bash
# Runs upstream fixture playbooks unchanged through check-playbook (both engines) and, for the
# heavy-payload pair, through a headless smoke run on each sandbox dialect. Not part of CI: the upstream
# files are not ours to commit. Get them with, for example:
#   git clone https://github.com/noetl/e2e && scripts/check-upstream.sh e2e/fixtures/playbooks/batch_execution
# Prints, per file and engine, what check-playbook finds, then each run's result line and row counts.
# With REAL_FLAGS=<a local-noetl loadrun.flags file>, the pair also runs on that real engine (the flags
# point the run at its server, its databases, its echo endpoint and its logs).
set -uo pipefail
dir=${1:?usage: scripts/check-upstream.sh DIR (a folder of upstream playbook YAML files)}
cd "$(dirname "$0")/.."
cli=(node bin/noetl-loadrun.js)
mapfile -t files < <(find "$dir" -name '*.yaml' -o -name '*.yml' | sort)
[ "${#files[@]}" -gt 0 ] || { echo "no YAML files under $dir"; exit 2; }

for engine in rust python; do
  echo "== check-playbook --engine $engine"
  for f in "${files[@]}"; do
    out=$("${cli[@]}" check-playbook "$f" --engine "$engine" 2>&1)
    echo "$out" | sed -e "s|^$dir/||" -e "s|^no construct|${f#"$dir"/}: no construct|"
  done
done

parent=$(printf '%s\n' "${files[@]}" | grep '/heavy_payload_pipeline_in_step_parallel\.ya\?ml$' | head -1)
worker=$(printf '%s\n' "${files[@]}" | grep '/heavy_payload_pipeline_chunk_worker\.ya\?ml$' | head -1)
if [ -z "$parent" ] || [ -z "$worker" ]; then
  echo "the heavy-payload pair is not under $dir: no runs"
  exit 0
fi
targets=(python rust)
[ -n "${REAL_FLAGS:-}" ] && targets+=(real)
for dialect in "${targets[@]}"; do
  report=$(mktemp -d)
  if [ "$dialect" = real ]; then
    echo "== smoke run of the upstream pair, on the real engine of $REAL_FLAGS"
    # shellcheck disable=SC2046 # the flags file holds several words by design
    target=($(cat "$REAL_FLAGS") --stall-seconds 60)
  else
    echo "== smoke run of the upstream pair, sandbox dialect $dialect"
    target=(--sandbox-dialect "$dialect" --stall-seconds 20)
  fi
  "${cli[@]}" --no-tui --preset smoke --timeout 5m "${target[@]}" \
    --playbook-file "$parent" --worker-file "$worker" --report-dir "$report/r" 2>&1 \
    | grep -E 'playbook: |COMPLETED|FAILED|STALLED|TIMEOUT|missing of|Result:' | sed "s|$dir/||"
  node -e 'const s=require(process.argv[1]);for(const m of s.modes)console.log(`  ${m.mode}: ${m.verdict}, ${m.stored_rows}/${m.expected_rows} rows, avg request ${m.avg_request_bytes} B, avg response ${m.avg_response_bytes} B`)' "$report/r/summary.json" 2>/dev/null
  rm -rf "$report"
done
