-- wrk script: each request picks one of the paths in $WRK_PATHS (one per line); prints one RESULT line.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local counter = 0

-- Each thread starts half-way through the other's order (wrk runs one or two), so a first pass
-- over the paths does not ask the same path twice.
local threads = 0
setup = function(thread)
  thread:set("offset", threads * math.floor(#paths / 2))
  threads = threads + 1
end
offset = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[((counter + offset) * 7919) % #paths + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
