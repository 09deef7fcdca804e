-- wrk script: cycle through request paths given in the PATHS env var (separated by "|"),
-- and print p50/p95/p99 latency (ms) and requests/s as one machine-readable line.
local paths = {}
for p in string.gmatch(os.getenv("PATHS") or "/", "([^|]+)") do table.insert(paths, p) end
local i = 0
request = function()
  i = (i % #paths) + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT rps=%.1f p50=%.2f p95=%.2f p99=%.2f errors=%d non2xx=%d n=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests))
end
