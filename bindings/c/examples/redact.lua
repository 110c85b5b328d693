-- dlpjet from LuaJIT's FFI, the way OpenResty/nginx code embeds native libraries: load
-- libdlpjet, build a scanner from a policy once, then scan and redact request bodies.
--
--   luajit redact.lua [LIBRARY]     (default: libdlpjet.so.0 from the loader's path)
--
-- In OpenResty the scanner would be made once per worker (init_worker_by_lua) and the body
-- handled in access_by_lua with ngx.req.get_body_data(); here the body is a fixed string and
-- the results are printed, so that the tests can check them.
local ffi = require("ffi")

ffi.cdef[[
typedef struct dlpjet_scanner dlpjet_scanner;
typedef struct dlpjet_error dlpjet_error;
typedef int32_t dlpjet_status;
typedef uint32_t dlpjet_action;
typedef uint32_t dlpjet_direction;
typedef struct {
  const char *detector;
  size_t start;
  size_t end;
  float confidence;
  dlpjet_action action;
} dlpjet_finding;
const char *dlpjet_version(void);
const char *dlpjet_error_message(const dlpjet_error *error);
void dlpjet_error_free(dlpjet_error *error);
const char *dlpjet_action_name(dlpjet_action action);
dlpjet_status dlpjet_scanner_new(const char *policy, size_t policy_len, const char *tenant, dlpjet_scanner **out,
                                 dlpjet_error **error);
void dlpjet_scanner_free(dlpjet_scanner *scanner);
dlpjet_status dlpjet_scan(const dlpjet_scanner *scanner, dlpjet_direction direction, const uint8_t *data,
                          size_t len, dlpjet_finding *out, size_t capacity, size_t *count, dlpjet_error **error);
dlpjet_status dlpjet_redact(const dlpjet_scanner *scanner, dlpjet_direction direction, const uint8_t *data,
                            size_t len, uint8_t *out, size_t capacity, size_t *out_len, dlpjet_error **error);
]]

local DLPJET_OK, DLPJET_BLOCKED, DLPJET_ERR_BUFFER_TOO_SMALL = 0, 1, 7
local DLPJET_INBOUND = 0

local lib = ffi.load(arg[1] or "libdlpjet.so.0")

-- A call's error, as Lua text; the error object is freed.
local function message(err)
  local text = ffi.string(lib.dlpjet_error_message(err[0]))
  lib.dlpjet_error_free(err[0])
  return text
end

local function fail(what, err)
  error(what .. ": " .. message(err))
end

-- The scanner: made once, freed by the garbage collector.
local function scanner(policy, tenant)
  local out = ffi.new("dlpjet_scanner *[1]")
  local err = ffi.new("dlpjet_error *[1]")
  if lib.dlpjet_scanner_new(policy, #policy, tenant, out, err) ~= DLPJET_OK then
    fail("policy", err)
  end
  return ffi.gc(out[0], lib.dlpjet_scanner_free)
end

-- Every finding of `body`, as Lua tables.
local function scan(s, body)
  local cap = 16
  while true do
    local buf = ffi.new("dlpjet_finding[?]", cap)
    local count = ffi.new("size_t[1]")
    local err = ffi.new("dlpjet_error *[1]")
    local st = lib.dlpjet_scan(s, DLPJET_INBOUND, body, #body, buf, cap, count, err)
    if st == DLPJET_ERR_BUFFER_TOO_SMALL then
      cap = tonumber(count[0])
      lib.dlpjet_error_free(err[0])
    elseif st ~= DLPJET_OK then
      fail("scan", err)
    else
      local found = {}
      for i = 0, tonumber(count[0]) - 1 do
        local f = buf[i]
        found[#found + 1] = {
          detector = ffi.string(f.detector),
          start = tonumber(f.start),
          stop = tonumber(f["end"]),
          action = ffi.string(lib.dlpjet_action_name(f.action)),
        }
      end
      return found
    end
  end
end

-- The body as the policy passes it on, or nil and the reason when it is blocked.
local function redact(s, body)
  local len = ffi.new("size_t[1]")
  local cap = #body + 64
  while true do
    local out = ffi.new("uint8_t[?]", cap)
    local err = ffi.new("dlpjet_error *[1]")
    local st = lib.dlpjet_redact(s, DLPJET_INBOUND, body, #body, out, cap, len, err)
    if st == DLPJET_OK then
      return ffi.string(out, len[0])
    elseif st == DLPJET_BLOCKED then
      return nil, message(err)
    elseif st == DLPJET_ERR_BUFFER_TOO_SMALL then
      cap = tonumber(len[0])
      lib.dlpjet_error_free(err[0])
    else
      fail("redact", err)
    end
  end
end

local policy = [[
version = 1
[default]
default_action = "redact"
[tenants.strict.detectors.credit_card]
action = "block"
]]

local body = '{"messages":[{"role":"user","content":"card 4111 1111 1111 1111, mail jane.doe@example.org"}]}'

print("dlpjet " .. ffi.string(lib.dlpjet_version()))
local s = scanner(policy, nil)
for _, f in ipairs(scan(s, body)) do
  print(string.format("finding %s %d-%d %s %s", f.detector, f.start, f.stop, f.action, body:sub(f.start + 1, f.stop)))
end
print("redacted " .. assert(redact(s, body)))
local strict = scanner(policy, "strict")
local out, why = redact(strict, body)
print("strict " .. tostring(out) .. " (" .. why .. ")")
