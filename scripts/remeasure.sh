#!/usr/bin/env bash
# Re-runs the recorded measurements and renders the walkthrough, its chart and the comparison
# again: the one command to run after a change to what the images are built from.
#
# By default it re-runs only what `scripts/render-tutorial.py --stale` names (a measurement whose
# recorded input fingerprint no longer matches; see scripts/lib/inputs.py); ALL=1 re-runs all:
#   images           scripts/compare-images.sh           (Public/image-sizes.json,
#                                                          docs/image-comparison.md)
#   context          scripts/measure-context.sh          (docs/measurements/context.json)
#   foundation-cost  scripts/measure-foundation-cost.sh  (docs/measurements/foundation-cost.json)
#   tutorial-run     RECORD=1 FRESH=1 scripts/test-tutorial.sh, then RECORD=1 scripts/test-tutorial.sh
#                    (docs/measurements/tutorial-run.json: the cold and the warm run)
# in that order (the walkthrough quotes the others, and its run checks them), then
# scripts/render-tutorial.py, and finally `scripts/render-tutorial.py --check`, which must pass.
# The working tree is measured as it is (the tutorial runs with WORKTREE=1), so commit the result
# together with the change that made it necessary.
#
# Usage: scripts/remeasure.sh [NAME...]     (names as above; none: whatever is stale)
# Environment: ALL=1 (everything); what the scripts themselves take (DOCKER, IMAGE_REPOSITORY...).
# Takes as long as the scripts it runs: about 40-60 minutes for everything on 2 shared cores,
# most of it cold image builds; each step's time is printed, and the total at the end.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$(date +%s)

ORDER=(images context foundation-cost tutorial-run)
if (($#)); then
  wanted=("$@")
elif [[ "${ALL:-0}" == 1 ]]; then
  wanted=("${ORDER[@]}")
else
  mapfile -t wanted < <(python3 scripts/render-tutorial.py --stale 2>/dev/null)
fi

run_step() {
  local name=$1 start
  start=$(date +%s)
  printf '\n==> %s (%s)\n' "$name" "$(date -u +%H:%M:%S)"
  case "$name" in
    images) scripts/compare-images.sh ;;
    context) scripts/measure-context.sh ;;
    foundation-cost) scripts/measure-foundation-cost.sh ;;
    tutorial-run)
      # The cold run first: a fresh clone, cold Swift builds. Then the warm one, whose recorded
      # outputs are the ones the walkthrough shows. Both measure the working tree.
      WORKTREE=1 RECORD=1 FRESH=1 scripts/test-tutorial.sh
      WORKTREE=1 RECORD=1 scripts/test-tutorial.sh
      ;;
    *) echo "remeasure: unknown measurement '$name' (one of: ${ORDER[*]})" >&2; return 64 ;;
  esac
  printf '==> %s took %s s\n' "$name" "$(($(date +%s) - start))"
}

for name in "${ORDER[@]}"; do
  for want in "${wanted[@]}"; do
    [[ "$want" == "$name" ]] && run_step "$name"
  done
done
for want in "${wanted[@]}"; do
  [[ " ${ORDER[*]} " == *" $want "* ]] || { echo "remeasure: unknown measurement '$want'" >&2; exit 64; }
done
((${#wanted[@]})) || echo "remeasure: every measurement is up to date"

python3 scripts/render-tutorial.py
python3 scripts/render-tutorial.py --check
printf 'remeasure: done in %s s (%s)\n' "$(($(date +%s) - started))" "${wanted[*]:-nothing to re-measure}"
