-- wrk script for bench/web.py: random paths from BENCH_PATHS with the session cookie BENCH_COOKIE;
-- collects the server-side time of every response from its Server-Timing header.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    if #line > 0 then table.insert(paths, line) end
  end
  cookie = os.getenv("BENCH_COOKIE")
  durs = {}
  math.randomseed(os.time() + #paths)
end

function request()
  local p = paths[math.random(#paths)]
  return wrk.format("GET", p, { ["Cookie"] = cookie })
end

function response(status, headers, body)
  local st = headers["Server-Timing"] or headers["server-timing"]
  if st then
    local d = tonumber(string.match(st, "dur=([%d%.]+)"))
    if d then durs[#durs + 1] = d end
  end
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local d = t:get("durs")
    for _, v in ipairs(d) do all[#all + 1] = v end
  end
  table.sort(all)
  local function pct(p)
    if #all == 0 then return 0 end
    return all[math.max(1, math.ceil(#all * p))]
  end
  io.write(string.format('SERVER_TIMING {"n": %d, "p50": %.2f, "p99": %.2f, "max": %.2f}\n', #all, pct(0.5), pct(0.99), all[#all] or 0))
end
