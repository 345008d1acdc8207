-- wrk script for scripts/bench.sh: method, body and token from the environment; stops each thread
-- after its share of WRK_MAX_REQUESTS (so every load is bounded in count as well as by -d in time);
-- prints one JSON line with the figures.
local method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
local token = os.getenv("WRK_TOKEN")
local max_requests = tonumber(os.getenv("WRK_MAX_REQUESTS") or "0")
local threads_count = tonumber(os.getenv("WRK_THREADS") or "1")

wrk.method = method
if body then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
if token then
  wrk.headers["x-access-token"] = token
end
local prepared = nil
local sent = 0
local budget = 0

function init(args)
  -- The target path is only known once the thread is set up, so the request is built here.
  prepared = wrk.format()
  budget = math.floor(max_requests / threads_count)
end

function request()
  sent = sent + 1
  if budget > 0 and sent > budget then
    wrk.thread:stop()
  end
  return prepared
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"non_2xx":%d,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
