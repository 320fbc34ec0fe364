// fengari reads its configuration from FENGARICONF once, when its modules load: this module is
// imported before fengari so that integral floats print as Lua 5.1 prints them ("5", not "5.0"),
// as the Lua 5.1 that Redis embeds (where every number is a double) does.
const wanted = { LUA_COMPAT_FLOATSTRING: true };
const current = process.env.FENGARICONF ? (JSON.parse(process.env.FENGARICONF) as Record<string, unknown>) : {};
process.env.FENGARICONF = JSON.stringify({ ...current, ...wanted });
