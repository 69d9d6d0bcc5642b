-- wrk script: whole attempts (start, 20 answer saves, submit), one user per thread.
-- Run with as many connections as threads, so each thread's state machine owns one connection.
-- The data file has one line per user: cookie<TAB>csrf
local users = {}
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

function init(args)
  local n = 0
  for line in io.lines(args[1]) do
    n = n + 1
    local cookie, csrf = line:match("([^\t]*)\t(.*)")
    users[n] = {cookie = cookie, csrf = csrf}
  end
  me = users[(index - 1) % #users + 1]
  state, attempt, questions, step, attempts, errors = "start", nil, {}, 0, 0, 0
end

local function call(method, path, body)
  local headers = {["Cookie"] = me.cookie, ["X-CSRFToken"] = me.csrf, ["Content-Type"] = "application/json"}
  return wrk.format(method, path, headers, body)
end

function request()
  if state == "start" then
    return call("POST", "/api/v1/contests/bench/attempts", "")
  elseif state == "save" then
    local q = questions[step]
    return call("PUT", "/api/v1/attempts/" .. attempt .. "/answers/" .. q[1], '{"option_id":"' .. q[2] .. '"}')
  else
    return call("POST", "/api/v1/attempts/" .. attempt .. "/submit", '{"prediction":5}')
  end
end

function response(status, headers, body)
  if status >= 300 then
    errors = errors + 1
    if errors < 3 then io.stderr:write(state .. " status " .. status .. ": " .. body:sub(1, 200) .. "\n") end
    state = "start"
    return
  end
  if state == "start" then
    attempt = body:match('"attempt":{"id":(%d+)')
    questions = {}
    for qid, oid in body:gmatch('"id":"(%d+)","position":%d+,"options":%[{"id":"([^"]+)"') do
      questions[#questions + 1] = {qid, oid}
    end
    state, step = "save", 1
  elseif state == "save" then
    step = step + 1
    if step > #questions then state = "submit" end
  else
    attempts = attempts + 1
    state = "start"
  end
end

function done(summary, latency, requests)
  local total, errs = 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("attempts")
    errs = errs + t:get("errors")
  end
  io.write(string.format("ATTEMPTS %d ERRORS %d SECONDS %.3f\n", total, errs, summary.duration / 1e6))
end
