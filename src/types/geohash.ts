// Geohash as Redis computes it (geohash.c, geohash_helper.c): 26-step interleaved cells over longitude
// [-180, 180] and latitude [-85.05112878, 85.05112878] (the web-mercator limits), stored as a 52-bit
// sorted-set score, neighbour boxes for radius and box searches, and the haversine distance on a
// sphere of radius 6372797.560856 m.
//
// A cell is kept as its two de-interleaved coordinates (lat, lon: integers below 2^step), which makes
// Redis's neighbour moves (geohash_move_x/y: ±1 modulo 2^step) plain arithmetic; the interleaved bits
// (latitude in the even bits, longitude in the odd ones) are built only for scores.

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

const D_R = Math.PI / 180.0;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const TWO_32 = 4294967296;

function degRad(ang: number): number {
  return ang * D_R;
}

function radDeg(ang: number): number {
  return ang / D_R;
}

/** A geohash cell: step bits per coordinate; step 0 is Redis's "zero" hash (GZERO). */
export interface GeoHashCell {
  lat: number;
  lon: number;
  step: number;
}

export interface GeoArea {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
}

/** Spreads the low 16 bits of v to the even bits of a 32-bit value. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v;
}

/** The even bits of a 32-bit value, packed into 16 bits. */
function squash32(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** interleave64(lat, lon) of two uint32 values, as a double (exact below 2^53, rounded above). */
export function interleave(lat: number, lon: number): number {
  const lo = (spread16(lat) | (spread16(lon) << 1)) >>> 0;
  const hi = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0;
  return hi * TWO_32 + lo;
}

/** geohashEncode: undefined when the point is outside Redis's limits or the given ranges. */
export function encode(lon: number, lat: number, step: number, latMin = GEO_LAT_MIN, latMax = GEO_LAT_MAX): GeoHashCell | undefined {
  if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN) return undefined;
  if (lat < latMin || lat > latMax) return undefined;
  let latOffset = (lat - latMin) / (latMax - latMin);
  let lonOffset = (lon - GEO_LONG_MIN) / (GEO_LONG_MAX - GEO_LONG_MIN);
  const scale = 2 ** step;
  latOffset *= scale;
  lonOffset *= scale;
  // The C code passes the doubles to uint32_t parameters: truncation.
  return { lat: Math.trunc(latOffset) >>> 0, lon: Math.trunc(lonOffset) >>> 0, step };
}

/** The interleaved bits of a cell (hash.bits). */
export function cellBits(cell: GeoHashCell): number {
  return interleave(cell.lat, cell.lon);
}

/** geohashAlign52Bits. */
export function align52(bits: number, step: number): number {
  return bits * 2 ** (52 - step * 2);
}

/** The score GEOADD stores for a valid point. */
export function scoreOf(lon: number, lat: number): number {
  const cell = encode(lon, lat, GEO_STEP_MAX)!;
  return align52(cellBits(cell), GEO_STEP_MAX);
}

/** geohashDecode with the given latitude range (uint32 coordinates; the +1 wraps as in C). */
export function decodeCell(cell: GeoHashCell, latMin = GEO_LAT_MIN, latMax = GEO_LAT_MAX): GeoArea {
  const latScale = latMax - latMin;
  const lonScale = GEO_LONG_MAX - GEO_LONG_MIN;
  const div = 2 ** cell.step;
  const lat1 = (cell.lat + 1) >>> 0;
  const lon1 = (cell.lon + 1) >>> 0;
  return {
    latMin: latMin + ((cell.lat * 1.0) / div) * latScale,
    latMax: latMin + ((lat1 * 1.0) / div) * latScale,
    lonMin: GEO_LONG_MIN + ((cell.lon * 1.0) / div) * lonScale,
    lonMax: GEO_LONG_MIN + ((lon1 * 1.0) / div) * lonScale,
  };
}

/** decodeGeohash: a sorted-set score to [longitude, latitude], the cell's centre clamped to the limits. */
export function decodeScore(score: number): [number, number] {
  let hi: number;
  let lo: number;
  if (score >= 0 && score < 9007199254740992) {
    const t = Math.trunc(score);
    hi = Math.floor(t / TWO_32);
    lo = t - hi * TWO_32;
  } else {
    // (uint64_t) of an out-of-range double: what x86-64 gives for the representable cases.
    const b = Number.isFinite(score) ? BigInt.asUintN(64, BigInt(Math.trunc(score))) : 0n;
    hi = Number(b >> 32n);
    lo = Number(b & 0xffffffffn);
  }
  const lat = (squash32(lo) | (squash32(hi) << 16)) >>> 0;
  const lon = (squash32(lo >>> 1) | (squash32(hi >>> 1) << 16)) >>> 0;
  const area = decodeCell({ lat, lon, step: GEO_STEP_MAX });
  let x = (area.lonMin + area.lonMax) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (area.latMin + area.latMax) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

/** GEOHASH's 11-character string: the point re-encoded over the standard ranges, base32. */
export function geohashString(lon: number, lat: number): string {
  const alphabet = '0123456789bcdefghjkmnpqrstuvwxyz';
  const cell = encode(lon, lat, 26, -90, 90);
  const bits = cell === undefined ? 0 : cellBits(cell);
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[Math.floor(bits / 2 ** (52 - (i + 1) * 5)) % 32];
  return out + '0';
}

export function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** geohashGetDistance: haversine distance in meters. */
export function distance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

/** A search shape (GeoShape): a circle of `radius` or a box `width` × `height`, in units of `conversion` meters. */
export interface GeoShape {
  circular: boolean;
  lon: number;
  lat: number;
  conversion: number;
  radius: number;
  width: number;
  height: number;
}

/**
 * geoWithinShape: the distance in meters when the point is inside the shape, else -1.
 */
export function distanceWithin(shape: GeoShape, lon: number, lat: number): number {
  if (shape.circular) {
    const d = distance(shape.lon, shape.lat, lon, lat);
    return d > shape.radius * shape.conversion ? -1 : d;
  }
  const widthM = shape.width * shape.conversion;
  const heightM = shape.height * shape.conversion;
  if (latDistance(lat, shape.lat) > heightM / 2) return -1;
  if (distance(lon, lat, shape.lon, lat) > widthM / 2) return -1;
  return distance(shape.lon, shape.lat, lon, lat);
}

function estimateStepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** geohash_move_x/y: ±1 on one coordinate, modulo 2^step. */
function moved(cell: GeoHashCell, dLon: number, dLat: number): GeoHashCell {
  const mod = 2 ** cell.step;
  let lon = cell.lon;
  let lat = cell.lat;
  if (dLon !== 0) lon = (((lon + dLon) % mod) + mod) % mod;
  if (dLat !== 0) lat = (((lat + dLat) % mod) + mod) % mod;
  return { lat, lon, step: cell.step };
}

const ZERO: GeoHashCell = { lat: 0, lon: 0, step: 0 };

/**
 * geohashCalculateAreasByShapeWGS84: the centre cell and its eight neighbours, in Redis's search
 * order (self, N, S, E, W, NE, NW, SE, SW), useless ones as zero cells (step 0).
 */
export function searchCells(shape: GeoShape): GeoHashCell[] {
  const height = shape.conversion * (shape.circular ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.circular ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(shape.lat + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(shape.lat - latDelta)));
  const southern = shape.lat < 0;
  const minLon = southern ? shape.lon - longDeltaBottom : shape.lon - longDeltaTop;
  const maxLon = southern ? shape.lon + longDeltaBottom : shape.lon + longDeltaTop;
  const minLat = shape.lat - latDelta;
  const maxLat = shape.lat + latDelta;

  let radiusMeters = shape.circular ? shape.radius : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radiusMeters *= shape.conversion;
  let steps = estimateStepsByRadius(radiusMeters, shape.lat);

  let hash = encode(shape.lon, shape.lat, steps) ?? { lat: 0, lon: 0, step: steps };
  let area = decodeCell(hash);
  const north = decodeCell(moved(hash, 0, 1));
  const south = decodeCell(moved(hash, 0, -1));
  const east = decodeCell(moved(hash, 1, 0));
  const west = decodeCell(moved(hash, -1, 0));
  const decrease = north.latMax < maxLat || south.latMin > minLat || east.lonMax < maxLon || west.lonMin > minLon;
  if (steps > 1 && decrease) {
    steps--;
    hash = encode(shape.lon, shape.lat, steps) ?? { lat: 0, lon: 0, step: steps };
    area = decodeCell(hash);
  }
  const n = {
    north: moved(hash, 0, 1),
    south: moved(hash, 0, -1),
    east: moved(hash, 1, 0),
    west: moved(hash, -1, 0),
    northEast: moved(hash, 1, 1),
    northWest: moved(hash, -1, 1),
    southEast: moved(hash, 1, -1),
    southWest: moved(hash, -1, -1),
  };
  if (steps >= 2) {
    if (area.latMin < minLat) n.south = n.southWest = n.southEast = ZERO;
    if (area.latMax > maxLat) n.north = n.northEast = n.northWest = ZERO;
    if (area.lonMin < minLon) n.west = n.southWest = n.northWest = ZERO;
    if (area.lonMax > maxLon) n.east = n.southEast = n.northEast = ZERO;
  }
  return [hash, n.north, n.south, n.east, n.west, n.northEast, n.northWest, n.southEast, n.southWest];
}

/** scoresOfGeoHashBox: the score range [min, max) of the points inside a cell. */
export function cellScoreRange(cell: GeoHashCell): [number, number] {
  const bits = cellBits(cell);
  return [align52(bits, cell.step), align52(bits + 1, cell.step)];
}
