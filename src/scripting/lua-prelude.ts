// Lua run once in every new script state, with the real globals table as its environment. It makes
// Lua 5.3 look like the Lua 5.1 Redis embeds (unpack, loadstring, math.pow ...), removes what Redis
// removes (print, dofile, loadfile), and emulates Redis's readonly tables: library tables and the
// globals become empty proxies whose writes fail with "Attempt to modify a readonly table", and
// reading an undefined global fails (Redis patches its Lua for this; fengari cannot be patched).
// Arguments: the JS error functions for readonly writes and undefined globals.
// Returns: the globals proxy, its metatable, the error handler, the coroutine runner, protect().
export const PRELUDE = `
local readonly_error, nonexistent_global = ...
local R = _G
local rawset, rawget, raw_setmetatable, raw_getmetatable = rawset, rawget, setmetatable, getmetatable
local type, next, tostring, xpcall, pcall, select, error = type, next, tostring, xpcall, pcall, select, error
local table_pack, table_unpack = table.pack, table.unpack
local dbg = debug
local string = string

-- Lua 5.1 names scripts written for Redis use.
unpack = table.unpack
loadstring = function(s, name) return load(s, name, 't') end
gcinfo = function() return math.floor(collectgarbage('count')) end
math.pow = function(x, y) return x ^ y end
math.mod = math.fmod
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
table.getn = function(t) return #t end
table.maxn = function(t) local n = 0 for k in next, t do if type(k) == 'number' and k > n then n = k end end return n end
table.setn = function() error('setn is obsolete') end
string.gfind = string.gmatch
local raw_load = load
load = function(chunk, name, mode, env) return raw_load(chunk, name, 't', env) end
dofile, loadfile, print, require, utf8, package, debug = nil, nil, nil, nil, nil, nil, nil

-- Redis's pcall hands back the message of an error table ({err=...}), not the table.
local function pcall_result(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type(e) == 'table' then
    local m = rawget(e, 'err')
    if type(m) == 'string' then return false, m end
  end
  return false, e
end
R.pcall = function(f, ...) return pcall_result(pcall(f, ...)) end

local protected = raw_setmetatable({}, {__mode = 'k'})
local views = raw_setmetatable({}, {__mode = 'k'})

local function protect(t)
  if protected[t] then return t end
  for k, v in next, t do
    if type(v) == 'table' and v ~= R and not protected[v] then rawset(t, k, protect(v)) end
  end
  local mt = {__index = t, __newindex = readonly_error,
              __pairs = function() return next, t, nil end,
              __len = function() return #t end}
  local proxy = raw_setmetatable({}, mt)
  protected[proxy] = t
  protected[mt] = true
  return proxy
end

setmetatable = function(t, mt)
  if protected[t] then readonly_error() end
  return raw_setmetatable(t, mt)
end
getmetatable = function(t)
  local mt = raw_getmetatable(t)
  if mt ~= nil and type(t) == 'table' and protected[t] then
    local view = views[mt]
    if view == nil then
      view = raw_setmetatable({}, {__index = mt, __newindex = readonly_error})
      protected[view] = mt
      views[mt] = view
    end
    return view
  end
  return mt
end
local raw_rawset = rawset
rawset = function(t, k, v)
  if protected[t] then readonly_error() end
  return raw_rawset(t, k, v)
end

for _, name in next, {'string', 'table', 'math', 'coroutine', 'redis', 'cjson', 'bit', 'cmsgpack', 'struct'} do
  local lib = rawget(R, name)
  if type(lib) == 'table' then raw_rawset(R, name, protect(lib)) end
end

local G_mt = {__index = R, __newindex = readonly_error}
local G = raw_setmetatable({}, G_mt)
protected[G] = R
protected[G_mt] = true
raw_rawset(R, '_G', G)
raw_setmetatable(R, {__index = nonexistent_global})

local function err_handler(err)
  local i = dbg.getinfo(2, 'nSl')
  if i and (i.what == 'C' or i.what == 'J') then i = dbg.getinfo(3, 'nSl') end
  if type(err) ~= 'table' then
    -- Lua 5.1's wording ("attempt to call field 'x' (a nil value)"), which Redis's Lua prints.
    err = string.gsub(tostring(err), "attempt to (.-) a (%a+) value %((%a+) '([^']*)'%)", "attempt to %1 %3 '%4' (a %2 value)")
    err = {err = 'ERR ' .. err}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end

local function runner(f, ...) return xpcall(f, err_handler, ...) end

return G, G_mt, err_handler, runner, protect
`;
