-- POSTs pre-built JSON bodies, one per line of a file; each wrk thread takes its own slice.
-- usage: wrk ... -s post_lines.lua URL -- <path> <file> <threads>
-- Counts answers that are not HTTP 200 with resultCd 0000, and how often a slice ran out.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  path, nthreads = args[1], tonumber(args[3])
  bodies = {}
  local i = 0
  for line in io.lines(args[2]) do
    if i % nthreads == id then
      bodies[#bodies + 1] = line
    end
    i = i + 1
  end
  n, bad, wrapped = 0, 0, 0
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  n = n + 1
  if n > #bodies then
    n, wrapped = 1, wrapped + 1
  end
  return wrk.format("POST", path, headers, bodies[n])
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"resultCd": *"0000"') then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local b, w = 0, 0
  for _, t in ipairs(threads) do
    b, w = b + t:get("bad"), w + t:get("wrapped")
  end
  io.write(string.format("BAD %d\nWRAPPED %d\n", b, w))
end
