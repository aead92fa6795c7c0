# shellcheck shell=bash
# The harness every check script shares: count passes and failures, close with the line CI adds
# up ("N passed, N failed", plus ", N skipped" when something was skipped), find a free port,
# wait for a 200. Source it; it defines functions and three counters and runs nothing else.
#
#   pass TEXT / fail TEXT / skip TEXT   one result, printed as "ok   TEXT", "FAIL TEXT", "skip TEXT"
#   check TEXT COMMAND...               runs COMMAND; passes when it exits 0, fails otherwise
#   check_summary                       prints the closing line (call it from an EXIT trap)
#   check_ok                            exit status: 0 when nothing failed
#   check_free_port                     a TCP port free on 127.0.0.1 right now
#   check_wait_200 URL SECONDS          polls URL until it answers 200 (at most 100 times a
#                                       second); returns 1 when SECONDS pass first
#
# No sleeps as synchronisation elsewhere: a script waits for readiness with check_wait_200.

PASSED=${PASSED:-0}
FAILED=${FAILED:-0}
SKIPPED=${SKIPPED:-0}

pass() { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*"; }
skip() { SKIPPED=$((SKIPPED + 1)); printf 'skip %s\n' "$*"; }
check() {
  local description=$1
  shift
  if "$@"; then pass "$description"; else fail "$description"; fi
}
check_summary() {
  if ((SKIPPED)); then
    printf '%d passed, %d failed, %d skipped\n' "$PASSED" "$FAILED" "$SKIPPED"
  else
    printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
  fi
}
check_ok() { ((FAILED == 0)); }

# The kernel picks the port (bind to port 0), so two scripts asking at once get different ones.
# Without python3, random ports are tried until one refuses a connection.
check_free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local attempt port
  for ((attempt = 0; attempt < 50; attempt++)); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "check_free_port: no free port found after 50 attempts" >&2
  return 1
}

check_wait_200() {
  local url=$1 timeout=$2 start attempts=0 limit
  start=$(date +%s%N)
  limit=$((timeout * 100))
  while ((attempts < limit)); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null)" == 200 ]]; then
      return 0
    fi
    attempts=$((attempts + 1))
    (($(date +%s%N) - start > timeout * 1000000000)) && return 1
    sleep 0.01 # the polling interval, not synchronisation: readiness is the 200 itself
  done
  return 1
}
