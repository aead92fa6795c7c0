#!/usr/bin/env bash
# Checks every reader-facing number against what the images measure now: measures the images
# (`MEASURE=FILE scripts/compare-images.sh`: the builds come from the cache, so after
# scripts/test-images.sh this takes a few minutes, not a cold build), then runs
# `scripts/render-tutorial.py --check --measured FILE`, which fails when the walkthrough or its
# chart is not what the committed data gives, or when a figure (the data, the demo page's chart
# data, a figure registered in docs/measurements/numbers-in-text.json, the screenshot) is out of
# tolerance, naming the figure, its file and the command that refreshes it. A change that moves no
# figure passes without a re-measure.
#
# Usage: scripts/check-numbers.sh [MEASUREMENT.json]   (a measurement made before: no new one)
# Environment: what scripts/compare-images.sh takes (DOCKER, IMAGE_REPOSITORY, ...);
#   KEEP_MEASUREMENT=FILE  keep the new measurement there (to check again without measuring).
# Output: the two checks, then "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
# shellcheck source=scripts/lib/check.sh
source scripts/lib/check.sh
trap check_summary EXIT

measurement=${1:-}
if [[ -z "$measurement" ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/check-numbers.XXXXXX") || exit 1
  trap 'rm -rf -- "$work"; check_summary' EXIT
  measurement="$work/measurement.json"
  if MEASURE="$measurement" scripts/compare-images.sh; then
    pass "measured the images as they are now (MEASURE=… scripts/compare-images.sh)"
    [[ -z "${KEEP_MEASUREMENT:-}" ]] || cp "$measurement" "$KEEP_MEASUREMENT"
  else
    fail "measuring the images (MEASURE=… scripts/compare-images.sh)"
    exit 1
  fi
fi
check "every reader-facing number within tolerance of the measurement (scripts/render-tutorial.py --check --measured)" \
  python3 scripts/render-tutorial.py --check --measured "$measurement"
check_ok
