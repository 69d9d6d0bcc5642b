-- wrk script: PUT one answer per request, cycling through prepared requests.
-- Each line of the data file: path<TAB>cookie<TAB>csrf<TAB>body
local reqs = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    local path, cookie, csrf, body = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)")
    local headers = {["Content-Type"] = "application/json"}
    if cookie ~= "" then headers["Cookie"] = cookie end
    if csrf ~= "" then headers["X-CSRFToken"] = csrf end
    reqs[#reqs + 1] = wrk.format("PUT", path, headers, body)
  end
  i = math.random(#reqs)
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end

local bad = 0
function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if bad < 3 then io.stderr:write("status " .. status .. ": " .. body .. "\n") end
  end
end
