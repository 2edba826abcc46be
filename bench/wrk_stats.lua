-- wrk script used by bench/run.sh.
--
-- Counts, across all wrk threads, the responses whose status is not 2xx
-- (wrk itself only counts status >= 400) and the values of the X-Page-Cache
-- header (hit/miss/skip/err, or "none" when absent, e.g. static files), then
-- prints one machine-readable line that bench/report.py parses:
--
--   BENCH_RESULT {"requests": ..., "duration_us": ..., "p50_us": ..., ...}

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   non2xx = 0
   cache_hit = 0
   cache_miss = 0
   cache_skip = 0
   cache_other = 0
   cache_none = 0
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
   local c = headers["X-Page-Cache"] or headers["x-page-cache"]
   if c == nil then
      cache_none = cache_none + 1
   elseif c == "hit" then
      cache_hit = cache_hit + 1
   elseif c == "miss" then
      cache_miss = cache_miss + 1
   elseif c == "skip" then
      cache_skip = cache_skip + 1
   else
      cache_other = cache_other + 1
   end
end

function done(summary, latency, requests)
   local totals = {non2xx = 0, cache_hit = 0, cache_miss = 0, cache_skip = 0,
                   cache_other = 0, cache_none = 0}
   for _, thread in ipairs(threads) do
      for name, _ in pairs(totals) do
         totals[name] = totals[name] + (thread:get(name) or 0)
      end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
      '"non2xx": %d, "err_connect": %d, "err_read": %d, "err_write": %d, ' ..
      '"err_timeout": %d, "err_status": %d, ' ..
      '"cache_hit": %d, "cache_miss": %d, "cache_skip": %d, "cache_other": %d, "cache_none": %d}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      totals.non2xx, e.connect, e.read, e.write, e.timeout, e.status,
      totals.cache_hit, totals.cache_miss, totals.cache_skip, totals.cache_other, totals.cache_none))
end
