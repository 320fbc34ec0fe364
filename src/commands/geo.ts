// The geo family (Redis's geo.c): points are members of a sorted set whose score is the 52-bit
// interleaved geohash (src/types/geohash.ts). GEOADD is ZADD with computed scores; searches scan the
// score ranges of the centre cell and its neighbours, as Redis does, so results, their order and
// their formatting match redis-server 7.0.15.

import type { CommandContext, CommandFamily } from './context.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, WRONGTYPE } from '../resp/errors.ts';
import { ZSetValue } from '../types/zset-value.ts';
import { parseScore, zsetCommands } from './zsets.ts';
import { parseInteger } from './string-value.ts';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  type GeoShape,
  cellScoreRange,
  decodeScore,
  distance,
  distanceWithin,
  geohashString,
  scoreOf,
  searchCells,
} from '../types/geohash.ts';

const ERR_UNIT = 'ERR unsupported unit provided. please use M, KM, FT, MI';
const ERR_MEMBER = 'ERR could not decode requested zset member';

function equalsIgnoreCase(arg: string, lower: string): boolean {
  return arg.length === lower.length && arg.toLowerCase() === lower;
}

/** printf's %f (6 decimals), including the long forms of huge values. */
function formatFixed6(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Math.abs(d) < 1e21) return d.toFixed(6);
  return `${BigInt(d)}.000000`;
}

/** addReplyHumanLongDouble: %.17Lf without trailing zeros ("-0" becomes "0"). */
export function formatHuman(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  let s = Math.abs(d) < 1e21 ? d.toFixed(17) : `${BigInt(d)}.00000000000000000`;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  s = s.slice(0, end);
  return s === '-0' ? '0' : s;
}

function replyHuman(reply: ReplyWriter, d: number): void {
  const s = formatHuman(d);
  if (reply.proto === 3) reply.raw(Buffer.from(`,${s}\r\n`, 'latin1'));
  else reply.bulk(s);
}

/** addReplyDoubleDistance: fixed point with 4 decimals, rounded as llrint (half to even). */
export function formatDistance(d: number): string {
  if (d === 0) return '0.0000';
  const scaled = d * 10000;
  let r = Math.round(scaled);
  if (r - scaled === 0.5 && r % 2 !== 0) r -= 1;
  const negative = r < 0;
  let digits = String(Math.abs(r));
  if (digits.length < 5) digits = '0'.repeat(5 - digits.length) + digits;
  const s = `${digits.slice(0, -4)}.${digits.slice(-4)}`;
  return negative ? `-${s}` : s;
}

/** extractLongLatOrReply: [lon, lat] or undefined after the error. */
function lonLatOrReply(ctx: CommandContext, lonText: string, latText: string): [number, number] | undefined {
  const lon = parseScore(lonText);
  if (lon === undefined) {
    ctx.reply.error(ERR_NOT_FLOAT);
    return undefined;
  }
  const lat = parseScore(latText);
  if (lat === undefined) {
    ctx.reply.error(ERR_NOT_FLOAT);
    return undefined;
  }
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    ctx.reply.error(`ERR invalid longitude,latitude pair ${formatFixed6(lon)},${formatFixed6(lat)}`);
    return undefined;
  }
  return [lon, lat];
}

/** extractUnitOrReply: meters per unit, or -1 after the error. */
function unitOrReply(ctx: CommandContext, unit: string): number {
  const u = unit.toLowerCase();
  if (u === 'm') return 1;
  if (u === 'km') return 1000;
  if (u === 'ft') return 0.3048;
  if (u === 'mi') return 1609.34;
  ctx.reply.error(ERR_UNIT);
  return -1;
}

/** The sorted set at key for reading: null when absent, undefined after WRONGTYPE. */
function readZSet(ctx: CommandContext, key: string): ZSetValue | null | undefined {
  const value = ctx.keyspace.lookupRead(ctx.db, key);
  if (value === undefined) return null;
  if (value instanceof ZSetValue) return value;
  ctx.reply.error(WRONGTYPE);
  return undefined;
}

/** GEOADD key [NX|XX] [CH] longitude latitude member [...]: ZADD with the geohash scores. */
function geoaddCommand(ctx: CommandContext, argv: string[]): void {
  let xx = false;
  let nx = false;
  let longidx = 2;
  while (longidx < argv.length) {
    const opt = argv[longidx]!;
    if (equalsIgnoreCase(opt, 'nx')) nx = true;
    else if (equalsIgnoreCase(opt, 'xx')) xx = true;
    else if (!equalsIgnoreCase(opt, 'ch')) break;
    longidx++;
  }
  if ((argv.length - longidx) % 3 !== 0 || (xx && nx)) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  const zaddArgv = ['zadd'];
  for (let i = 1; i < longidx; i++) zaddArgv.push(argv[i]!);
  for (let i = longidx; i < argv.length; i += 3) {
    const xy = lonLatOrReply(ctx, argv[i]!, argv[i + 1]!);
    if (xy === undefined) return;
    zaddArgv.push(String(scoreOf(xy[0], xy[1])), argv[i + 2]!);
  }
  // Redis replaces the command with this ZADD (and propagates the ZADD; here GEOADD itself is
  // propagated, which replays to the same scores).
  zsetCommands.zadd!(ctx, zaddArgv);
}

/** GEODIST key member1 member2 [unit] */
function geodistCommand(ctx: CommandContext, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) {
    toMeter = unitOrReply(ctx, argv[4]!);
    if (toMeter < 0) return;
  } else if (argv.length > 5) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  const z = readZSet(ctx, argv[1]!);
  if (z === undefined) return;
  if (z === null) {
    ctx.reply.nil();
    return;
  }
  const s1 = z.score(argv[2]!);
  const s2 = z.score(argv[3]!);
  if (s1 === undefined || s2 === undefined) {
    ctx.reply.nil();
    return;
  }
  const a = decodeScore(s1);
  const b = decodeScore(s2);
  ctx.reply.bulk(formatDistance(distance(a[0], a[1], b[0], b[1]) / toMeter));
}

/** GEOHASH key [member ...] */
function geohashCommand(ctx: CommandContext, argv: string[]): void {
  const z = readZSet(ctx, argv[1]!);
  if (z === undefined) return;
  const reply = ctx.reply;
  reply.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z === null ? undefined : z.score(argv[j]!);
    if (score === undefined) {
      reply.nil();
      continue;
    }
    const xy = decodeScore(score);
    reply.bulk(geohashString(xy[0], xy[1]));
  }
}

/** GEOPOS key [member ...] */
function geoposCommand(ctx: CommandContext, argv: string[]): void {
  const z = readZSet(ctx, argv[1]!);
  if (z === undefined) return;
  const reply = ctx.reply;
  reply.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z === null ? undefined : z.score(argv[j]!);
    if (score === undefined) {
      reply.nullArray();
      continue;
    }
    const xy = decodeScore(score);
    reply.array(2);
    replyHuman(reply, xy[0]);
    replyHuman(reply, xy[1]);
  }
}

// georadiusGeneric's flags.
const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

interface GeoPoint {
  member: string;
  score: number;
  lon: number;
  lat: number;
  dist: number;
}

/** Appends the points of z with scores in [min, max) inside the shape; stops at `limit` (0: none). */
function pointsInRange(z: ZSetValue, min: number, max: number, shape: GeoShape, out: GeoPoint[], limit: number): void {
  const start = z.firstByScore(min, false);
  const end = z.firstByScore(max, false);
  if (start >= end) return;
  let done = false;
  z.forRange(start, end - start, false, (member, score) => {
    if (done) return;
    const [lon, lat] = decodeScore(score);
    const d = distanceWithin(shape, lon, lat);
    if (d >= 0) out.push({ member, score, lon, lat, dist: d });
    if (out.length !== 0 && limit !== 0 && out.length >= limit) done = true;
  });
}

/** membersOfAllNeighbors: the centre cell and its neighbours, skipping zero and repeated cells. */
function searchPoints(z: ZSetValue, shape: GeoShape, limit: number): GeoPoint[] {
  const cells = searchCells(shape);
  const out: GeoPoint[] = [];
  let last = -1;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (cell.step === 0 && cell.lat === 0 && cell.lon === 0) continue;
    if (last >= 0) {
      const prev = cells[last]!;
      if (prev.lat === cell.lat && prev.lon === cell.lon && prev.step === cell.step) continue;
    }
    if (out.length !== 0 && limit !== 0 && out.length >= limit) break;
    const [min, max] = cellScoreRange(cell);
    pointsInRange(z, min, max, shape, out, limit);
    last = i;
  }
  return out;
}

/** Deletes the store key of a search with no results; raises 'del' when it existed. */
function deleteStoreKey(ctx: CommandContext, key: string): void {
  if (ctx.keyspace.lookupWrite(ctx.db, key) !== undefined && ctx.keyspace.deleteKey(ctx.db, key)) ctx.changed(key, 'del', 'g');
}

/**
 * georadiusGeneric: GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO], GEOSEARCH and GEOSEARCHSTORE, with Redis's
 * argument order of checks and errors.
 */
function georadiusGeneric(ctx: CommandContext, argv: string[], srcKeyIndex: number, flags: number): void {
  const reply = ctx.reply;
  let storekey: string | null = null;
  let storedist = false;
  const z = readZSet(ctx, argv[srcKeyIndex]!);
  if (z === undefined) return;

  const shape: GeoShape = { circular: true, lon: 0, lat: 0, conversion: 0, radius: 0, width: 0, height: 0 };
  let baseArgs: number;
  if ((flags & RADIUS_COORDS) !== 0) {
    baseArgs = 6;
    const xy = lonLatOrReply(ctx, argv[2]!, argv[3]!);
    if (xy === undefined) return;
    shape.lon = xy[0];
    shape.lat = xy[1];
    if (!distanceOrReply(ctx, argv[4]!, argv[5]!, shape)) return;
  } else if ((flags & RADIUS_MEMBER) !== 0 && z === null) {
    baseArgs = 5;
  } else if ((flags & RADIUS_MEMBER) !== 0) {
    baseArgs = 5;
    const score = z!.score(argv[2]!);
    if (score === undefined) {
      reply.error(ERR_MEMBER);
      return;
    }
    [shape.lon, shape.lat] = decodeScore(score);
    if (!distanceOrReply(ctx, argv[3]!, argv[4]!, shape)) return;
  } else {
    baseArgs = 2;
    if ((flags & GEOSEARCHSTORE) !== 0) {
      baseArgs = 3;
      storekey = argv[1]!;
    }
  }

  let withdist = false;
  let withhash = false;
  let withcoords = false;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const remaining = argv.length - baseArgs;
  for (let i = 0; i < remaining; i++) {
    const arg = argv[baseArgs + i]!.toLowerCase();
    if (arg === 'withdist') {
      withdist = true;
    } else if (arg === 'withhash') {
      withhash = true;
    } else if (arg === 'withcoord') {
      withcoords = true;
    } else if (arg === 'any') {
      any = true;
    } else if (arg === 'asc') {
      sort = SORT_ASC;
    } else if (arg === 'desc') {
      sort = SORT_DESC;
    } else if (arg === 'count' && i + 1 < remaining) {
      const n = parseInteger(argv[baseArgs + i + 1]!);
      if (Number.isNaN(n)) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      if (n <= 0) {
        reply.error('ERR COUNT must be > 0');
        return;
      }
      count = n;
      i++;
    } else if ((arg === 'store' || arg === 'storedist') && i + 1 < remaining && (flags & RADIUS_NOSTORE) === 0 && (flags & GEOSEARCH) === 0) {
      storekey = argv[baseArgs + i + 1]!;
      storedist = arg === 'storedist';
      i++;
    } else if (arg === 'storedist' && (flags & GEOSEARCHSTORE) !== 0) {
      storedist = true;
    } else if (arg === 'frommember' && i + 1 < remaining && (flags & GEOSEARCH) !== 0 && !fromloc) {
      if (z === null) {
        frommember = true;
        i++;
        continue;
      }
      const score = z.score(argv[baseArgs + i + 1]!);
      if (score === undefined) {
        reply.error(ERR_MEMBER);
        return;
      }
      [shape.lon, shape.lat] = decodeScore(score);
      frommember = true;
      i++;
    } else if (arg === 'fromlonlat' && i + 2 < remaining && (flags & GEOSEARCH) !== 0 && !frommember) {
      const xy = lonLatOrReply(ctx, argv[baseArgs + i + 1]!, argv[baseArgs + i + 2]!);
      if (xy === undefined) return;
      shape.lon = xy[0];
      shape.lat = xy[1];
      fromloc = true;
      i += 2;
    } else if (arg === 'byradius' && i + 2 < remaining && (flags & GEOSEARCH) !== 0 && !bybox) {
      if (!distanceOrReply(ctx, argv[baseArgs + i + 1]!, argv[baseArgs + i + 2]!, shape)) return;
      shape.circular = true;
      byradius = true;
      i += 2;
    } else if (arg === 'bybox' && i + 3 < remaining && (flags & GEOSEARCH) !== 0 && !byradius) {
      if (!boxOrReply(ctx, argv[baseArgs + i + 1]!, argv[baseArgs + i + 2]!, argv[baseArgs + i + 3]!, shape)) return;
      shape.circular = false;
      bybox = true;
      i += 3;
    } else {
      reply.error(ERR_SYNTAX);
      return;
    }
  }

  if (storekey !== null && (withdist || withhash || withcoords)) {
    const what = (flags & GEOSEARCHSTORE) !== 0 ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    reply.error(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
    return;
  }
  if ((flags & GEOSEARCH) !== 0 && !(frommember || fromloc)) {
    reply.error(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
    return;
  }
  if ((flags & GEOSEARCH) !== 0 && !(byradius || bybox)) {
    reply.error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
    return;
  }
  if (any && count === 0) {
    reply.error('ERR the ANY argument requires COUNT argument');
    return;
  }

  if (z === null) {
    if (storekey !== null) {
      deleteStoreKey(ctx, storekey);
      reply.integer(0);
    } else {
      reply.array(0);
    }
    return;
  }

  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  const points = searchPoints(z, shape, any ? count : 0);
  if (points.length === 0 && storekey === null) {
    reply.array(0);
    return;
  }
  const returned = count === 0 || points.length < count ? points.length : count;
  if (sort !== SORT_NONE) {
    const cmp = sort === SORT_ASC ? compareAsc : compareDesc;
    // glibc's qsort is a stable merge sort, as Array.prototype.sort; ties matter for Redis's pqsort.
    if (returned === points.length) points.sort(cmp);
    else pqsort(points, 0, points.length, cmp, 0, returned - 1);
  }

  if (storekey === null) {
    const options = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    reply.array(returned);
    for (let i = 0; i < returned; i++) {
      const p = points[i]!;
      const dist = p.dist / shape.conversion;
      if (options !== 0) reply.array(options + 1);
      reply.bulk(p.member);
      if (withdist) reply.bulk(formatDistance(dist));
      if (withhash) reply.integer(Math.trunc(p.score));
      if (withcoords) {
        reply.array(2);
        replyHuman(reply, p.lon);
        replyHuman(reply, p.lat);
      }
    }
    return;
  }

  if (returned === 0) {
    deleteStoreKey(ctx, storekey);
    reply.integer(0);
    return;
  }
  const chosen = points.slice(0, returned);
  const entries = chosen.map((p) => ({ member: p.member, score: storedist ? p.dist / shape.conversion : p.score }));
  entries.sort((a, b) => (a.score !== b.score ? (a.score < b.score ? -1 : 1) : a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  let maxLength = 0;
  for (const e of entries) if (e.member.length > maxLength) maxLength = e.member.length;
  const skiplist = entries.length > ctx.config.zsetMaxListpackEntries || maxLength > ctx.config.zsetMaxListpackValue;
  const value = ZSetValue.fromSorted(
    entries.map((e) => e.member),
    entries.map((e) => e.score),
    skiplist,
  );
  ctx.keyspace.setKey(ctx.db, storekey, value, false);
  ctx.changed(storekey, (flags & GEOSEARCH) !== 0 ? 'geosearchstore' : 'georadiusstore', 'z');
  reply.integer(returned);
}

type PointCompare = (a: GeoPoint, b: GeoPoint) => number;

function compareAsc(a: GeoPoint, b: GeoPoint): number {
  return a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1;
}

function compareDesc(a: GeoPoint, b: GeoPoint): number {
  return -compareAsc(a, b);
}

function swap(v: GeoPoint[], i: number, j: number): void {
  const t = v[i]!;
  v[i] = v[j]!;
  v[j] = t;
}

function vecswap(v: GeoPoint[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(v, i + k, j + k);
}

function med3(v: GeoPoint[], a: number, b: number, c: number, cmp: PointCompare): number {
  return cmp(v[a]!, v[b]!) < 0
    ? cmp(v[b]!, v[c]!) < 0 ? b : cmp(v[a]!, v[c]!) < 0 ? c : a
    : cmp(v[b]!, v[c]!) > 0 ? b : cmp(v[a]!, v[c]!) < 0 ? a : c;
}

/**
 * Redis's pqsort (pqsort.c, NetBSD's quicksort that only recurses into parts overlapping the ranks
 * [lrange, rrange]): elements [a, a + n) of v. Ported step for step so that ties between equal
 * distances come out in Redis's order.
 */
function pqsort(v: GeoPoint[], a: number, n: number, cmp: PointCompare, lrange: number, rrange: number): void {
  for (;;) {
    if (n < 7) {
      for (let pm = a + 1; pm < a + n; pm++) for (let pl = pm; pl > a && cmp(v[pl - 1]!, v[pl]!) > 0; pl--) swap(v, pl, pl - 1);
      return;
    }
    let pm = a + Math.floor(n / 2);
    if (n > 7) {
      let pl = a;
      let pn = a + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = med3(v, pl, pl + d, pl + 2 * d, cmp);
        pm = med3(v, pm - d, pm, pm + d, cmp);
        pn = med3(v, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = med3(v, pl, pm, pn, cmp);
    }
    swap(v, a, pm);
    let pa = a + 1;
    let pb = pa;
    let pc = a + n - 1;
    let pd = pc;
    for (;;) {
      let c: number;
      while (pb <= pc && (c = cmp(v[pb]!, v[a]!)) <= 0) {
        if (c === 0) swap(v, pa++, pb);
        pb++;
      }
      while (pb <= pc && (c = cmp(v[pc]!, v[a]!)) >= 0) {
        if (c === 0) swap(v, pc, pd--);
        pc--;
      }
      if (pb > pc) break;
      swap(v, pb++, pc--);
    }
    const pn = a + n;
    let r = Math.min(pa - a, pb - pa);
    vecswap(v, a, pb - r, r);
    r = Math.min(pd - pc, pn - pd - 1);
    vecswap(v, pb, pn - r, r);
    r = pb - pa;
    if (r > 1 && !((lrange < a && rrange < a) || (lrange >= a + r && rrange >= a + r))) pqsort(v, a, r, cmp, lrange, rrange);
    r = pd - pc;
    if (r <= 1) return;
    a = pn - r;
    n = r;
    if ((lrange < a && rrange < a) || (lrange >= a + r && rrange >= a + r)) return;
  }
}

/** extractDistanceOrReply into the shape (radius and conversion). */
function distanceOrReply(ctx: CommandContext, radiusText: string, unit: string, shape: GeoShape): boolean {
  const radius = parseScore(radiusText);
  if (radius === undefined) {
    ctx.reply.error('ERR need numeric radius');
    return false;
  }
  if (radius < 0) {
    ctx.reply.error('ERR radius cannot be negative');
    return false;
  }
  shape.radius = radius;
  const toMeters = unitOrReply(ctx, unit);
  if (toMeters < 0) return false;
  shape.conversion = toMeters;
  return true;
}

/** extractBoxOrReply into the shape (width, height and conversion). */
function boxOrReply(ctx: CommandContext, widthText: string, heightText: string, unit: string, shape: GeoShape): boolean {
  const w = parseScore(widthText);
  if (w === undefined) {
    ctx.reply.error('ERR need numeric width');
    return false;
  }
  const h = parseScore(heightText);
  if (h === undefined) {
    ctx.reply.error('ERR need numeric height');
    return false;
  }
  if (h < 0 || w < 0) {
    ctx.reply.error('ERR height or width cannot be negative');
    return false;
  }
  shape.height = h;
  shape.width = w;
  const toMeters = unitOrReply(ctx, unit);
  if (toMeters < 0) return false;
  shape.conversion = toMeters;
  return true;
}

export const geoCommands: CommandFamily = {
  geoadd: geoaddCommand,
  geodist: geodistCommand,
  geohash: geohashCommand,
  geopos: geoposCommand,
  georadius: (ctx, argv) => georadiusGeneric(ctx, argv, 1, RADIUS_COORDS),
  georadius_ro: (ctx, argv) => georadiusGeneric(ctx, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE),
  georadiusbymember: (ctx, argv) => georadiusGeneric(ctx, argv, 1, RADIUS_MEMBER),
  georadiusbymember_ro: (ctx, argv) => georadiusGeneric(ctx, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE),
  geosearch: (ctx, argv) => georadiusGeneric(ctx, argv, 1, GEOSEARCH),
  geosearchstore: (ctx, argv) => georadiusGeneric(ctx, argv, 2, GEOSEARCH | GEOSEARCHSTORE),
};
