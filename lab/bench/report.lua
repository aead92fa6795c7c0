-- wrk script: prints one machine-readable line after the run, for lab/bench.sh.
-- It defines only done(), so wrk's fast path for requests and responses is unchanged.
done = function(summary, latency, requests)
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "WRK_RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d timeout=%d status=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(99), latency.max,
      summary.errors.connect, summary.errors.read, summary.errors.write,
      summary.errors.timeout, summary.errors.status))
end
