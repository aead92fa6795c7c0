#!/usr/bin/env bash
# Re-runs recorded measurements and renders the walkthrough, its chart and the comparison again:
# the command the number check names when a figure has moved (scripts/render-tutorial.py --check,
# scripts/lib/reader_numbers.py).
#
#   images           scripts/compare-images.sh           (Public/image-sizes.json,
#                                                          docs/image-comparison.md,
#                                                          docs/measurements/images.json,
#                                                          docs/images/demo-page.png, docs/measurements/demo-page.json)
#   context          lab/measure-context.sh          (docs/measurements/context.json)
#   foundation-cost  lab/measure-foundation-cost.sh  (docs/measurements/foundation-cost.json)
#   tutorial-run     RECORD=1 FRESH=1 scripts/test-tutorial.sh, then RECORD=1 scripts/test-tutorial.sh
#                    (docs/measurements/tutorial-run.json: the cold and the warm run)
# in that order (the walkthrough quotes the others, and its run checks them), then
# scripts/render-tutorial.py, and finally `scripts/render-tutorial.py --check`, which must pass.
# The working tree is measured as it is (the tutorial runs with WORKTREE=1), so commit the result
# together with the change that made it necessary. A change that moves no figure needs none of
# this: the check compares figures, not the files they were made from.
#
# Usage: lab/remeasure.sh NAME...     (names as above; ALL=1 for all of them)
# Environment: ALL=1; what the scripts themselves take (DOCKER, IMAGE_REPOSITORY...).
# Takes as long as the scripts it runs: about 40-60 minutes for everything on 2 shared cores,
# most of it cold image builds; each step's time is printed, and the total at the end.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$(date +%s)

ORDER=(images context foundation-cost tutorial-run)
if [[ "${ALL:-0}" == 1 ]]; then
  wanted=("${ORDER[@]}")
elif (($#)); then
  wanted=("$@")
else
  echo "usage: lab/remeasure.sh NAME... (one or more of: ${ORDER[*]}), or ALL=1 lab/remeasure.sh" >&2
  exit 64
fi

for want in "${wanted[@]}"; do
  [[ " ${ORDER[*]} " == *" $want "* ]] || { echo "remeasure: unknown measurement '$want'" >&2; exit 64; }
done

run_step() {
  local name=$1 start
  start=$(date +%s)
  printf '\n==> %s (%s)\n' "$name" "$(date -u +%H:%M:%S)"
  case "$name" in
    images) scripts/compare-images.sh ;;
    context) lab/measure-context.sh ;;
    foundation-cost) lab/measure-foundation-cost.sh ;;
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

python3 scripts/render-tutorial.py
python3 scripts/render-tutorial.py --check
printf 'remeasure: done in %s s (%s)\n' "$(($(date +%s) - started))" "${wanted[*]}"
