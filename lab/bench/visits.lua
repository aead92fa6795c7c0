-- wrk script for lab/bench/visits.sh: every request is POST /api/visits with a JSON body, and
-- one machine-readable line is printed after the run. It sets only wrk's request fields and
-- done(), so wrk keeps its fast path (no per-request Lua).
wrk.method = "POST"
wrk.path = "/api/visits"
wrk.body = '{"variant":"bench"}'
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "WRK_RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d connect=%d read=%d write=%d timeout=%d status=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(99),
      summary.errors.connect, summary.errors.read, summary.errors.write,
      summary.errors.timeout, summary.errors.status))
end
