import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringCommands } from '../../../src/commands/strings.ts';
import { keyCommands } from '../../../src/commands/keys.ts';
import { zsetCommands } from '../../../src/commands/zsets.ts';
import { geoCommands } from '../../../src/commands/geo.ts';
import { LocalShoal, RealRedis, compareSequence } from './harness.ts';

const redis = new RealRedis();
let local: LocalShoal;

beforeAll(() => redis.start());
afterAll(() => redis.stop());
beforeEach(async () => {
  await redis.call(['FLUSHALL']);
  local = new LocalShoal([stringCommands, keyCommands, zsetCommands, geoCommands]);
});

async function same(...commands: string[][]): Promise<void> {
  expect(await compareSequence(local, redis, commands)).toBeUndefined();
}

const SICILY = [
  ['GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
  ['GEOADD', 'Sicily', '12.758489', '38.788135', 'edge1', '17.241510', '38.788135', 'edge2'],
  ['GEOADD', 'Sicily', '14.2', '37.1', 'mid', '-0', '0', 'origin', '180', '85.05112878', 'corner'],
];

describe('GEOADD, GEOPOS, GEODIST, GEOHASH', () => {
  it('store and read points as Redis does', () =>
    same(
      ...SICILY,
      ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'],
      ['GEOPOS', 'Sicily', 'Palermo', 'Catania', 'nope', 'origin', 'corner'],
      ['GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nope', 'origin', 'corner', 'edge2'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'MI'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'ft'],
      ['GEODIST', 'Sicily', 'Palermo', 'Palermo'],
      ['GEODIST', 'Sicily', 'Palermo', 'nope'],
      ['GEODIST', 'nokey', 'a', 'b'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'yd'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km', 'x'],
      ['GEOPOS', 'nokey', 'a'],
      ['GEOHASH', 'nokey', 'a', 'b'],
      ['GEOPOS', 'Sicily'],
    ));

  it('applies NX, XX, CH and reports errors as Redis does', () =>
    same(
      ...SICILY,
      ['GEOADD', 'Sicily', 'NX', '13.4', '38.2', 'Palermo', '1', '2', 'new'],
      ['GEOADD', 'Sicily', 'XX', 'CH', '13.4', '38.2', 'Palermo', '1', '2', 'other'],
      ['GEOADD', 'Sicily', 'CH', '13.4', '38.2', 'Palermo'],
      ['GEOADD', 'Sicily', 'NX', 'XX', '1', '2', 'x'],
      ['GEOADD', 'Sicily', '1', '2'],
      ['GEOADD', 'Sicily', '1', '2', 'a', '3'],
      ['GEOADD', 'Sicily', 'abc', '2', 'a'],
      ['GEOADD', 'Sicily', '1', 'nan', 'a'],
      ['GEOADD', 'Sicily', '181', '2', 'a'],
      ['GEOADD', 'Sicily', '10', '-85.06', 'a'],
      ['GEOADD', 'Sicily', '1e300', '2', 'a'],
      ['GEOADD', 'Sicily', 'inf', '2', 'a'],
      ['GEOADD', 'Sicily', 'GT', '1', '2', 'a'],
      ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'],
      ['SET', 'str', 'x'],
      ['GEOADD', 'str', '1', '2', 'a'],
      ['GEOPOS', 'str', 'a'],
      ['GEOHASH', 'str', 'a'],
      ['GEODIST', 'str', 'a', 'b'],
      ['GEOSEARCH', 'str', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
    ));

  it('reads coordinates in RESP3 as Redis does', async () => {
    await same(...SICILY);
    await redis.call(['HELLO', '3']);
    local.reply.proto = 3;
    try {
      await same(['GEOPOS', 'Sicily', 'Palermo', 'nope'], ['GEODIST', 'Sicily', 'Palermo', 'nope'], ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'mid', 'BYRADIUS', '300', 'km', 'WITHCOORD', 'WITHDIST', 'WITHHASH']);
    } finally {
      await redis.call(['HELLO', '2']);
    }
  });
});

describe('GEOSEARCH and GEORADIUS', () => {
  it('answer searches as Redis does', () =>
    same(
      ...SICILY,
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'DESC', 'WITHCOORD', 'WITHDIST', 'WITHHASH'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'ASC', 'WITHDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '600', '200', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'COUNT', '2'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'COUNT', '1', 'ANY'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'COUNT', '3', 'ANY', 'DESC'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '0', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '20000', 'km', 'ASC', 'WITHDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '179.9', '85', 'BYRADIUS', '50', 'km', 'WITHCOORD'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'nope', 'BYRADIUS', '5', 'km'],
      ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'nope', 'BYRADIUS', '5', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '5', 'km', 'ANY'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '5', 'km', 'COUNT', '0'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '5', 'km', 'COUNT', 'x'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '-5', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', 'r', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '5', 'parsec'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '5', '-1', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', 'w', '1', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '1', 'h', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'FROMMEMBER', 'Palermo', 'BYBOX', '1', '1', 'km'],
      ['GEOSEARCH', 'Sicily', 'BYRADIUS', '5', 'km', 'BYBOX', '1', '1', 'km'],
      ['geosearch', 'Sicily', 'BYRADIUS', '5', 'km', 'ASC'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'ASC'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '5', 'km', 'STORE', 'x'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '200', '37', 'BYRADIUS', '5', 'km'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'ASC'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1'],
      ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'DESC', 'WITHHASH'],
      ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'STORE', 'x'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '300', 'km', 'WITHDIST'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'nope', '300', 'km'],
      ['GEORADIUSBYMEMBER', 'nokey', 'nope', 'abc', 'km'],
      ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Catania', '100', 'mi', 'WITHCOORD'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'x', 'WITHDIST'],
    ));

  it('store results as Redis does', () =>
    same(
      ...SICILY,
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'r1'],
      ['ZRANGE', 'r1', '0', '-1', 'WITHSCORES'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'r2', 'COUNT', '1'],
      ['ZRANGE', 'r2', '0', '-1', 'WITHSCORES'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '500', 'km', 'STOREDIST', 'r3', 'DESC'],
      ['ZRANGE', 'r3', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'r4', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '500', '500', 'km', 'STOREDIST'],
      ['ZRANGE', 'r4', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'r4', 'Sicily', 'FROMLONLAT', '0', '50', 'BYRADIUS', '1', 'm'],
      ['EXISTS', 'r4'],
      ['GEOSEARCHSTORE', 'r1', 'nokey', 'FROMLONLAT', '0', '50', 'BYRADIUS', '1', 'm'],
      ['EXISTS', 'r1'],
      ['GEOSEARCHSTORE', 'r5', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'WITHDIST'],
      ['GEORADIUS', 'nokey', '15', '37', '200', 'km', 'STORE', 'r2'],
      ['EXISTS', 'r2'],
    ));

  it('find the same random points as Redis does', async () => {
    const point = fc.record({ lon: fc.double({ min: -180, max: 180, noNaN: true }), lat: fc.double({ min: -85, max: 85, noNaN: true }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(point, { minLength: 1, maxLength: 300 }),
        point,
        fc.double({ min: 0, max: 3000, noNaN: true }),
        fc.constantFrom('m', 'km', 'mi', 'ft'),
        async (points, center, radius, unit) => {
          await redis.call(['DEL', 'g']);
          local.call(['DEL', 'g']);
          const add = ['GEOADD', 'g'];
          points.forEach((p, i) => add.push(String(p.lon), String(p.lat), `p${i}`));
          const c = [String(center.lon), String(center.lat)];
          const r = String(radius);
          const commands = [
            add,
            ['GEOSEARCH', 'g', 'FROMLONLAT', ...c, 'BYRADIUS', r, 'km', 'ASC', 'WITHDIST', 'WITHCOORD', 'WITHHASH'],
            ['GEOSEARCH', 'g', 'FROMLONLAT', ...c, 'BYBOX', r, String(radius / 2), unit, 'DESC', 'WITHDIST'],
            ['GEOSEARCH', 'g', 'FROMMEMBER', 'p0', 'BYRADIUS', r, unit, 'COUNT', '5', 'WITHDIST'],
            ['GEORADIUS', 'g', ...c, r, unit],
            ['GEOPOS', 'g', 'p0', `p${points.length - 1}`],
            ['GEOHASH', 'g', 'p0', `p${points.length - 1}`],
            ['GEODIST', 'g', 'p0', `p${points.length - 1}`, unit],
          ];
          expect(await compareSequence(local, redis, commands)).toBeUndefined();
        },
      ),
      { seed: 7, numRuns: 40 },
    );
  });

  it('find the same clustered points, ties included, as Redis does', async () => {
    const offset = fc.double({ min: -1.5, max: 1.5, noNaN: true });
    await fc.assert(
      fc.asyncProperty(
        fc.record({ lon: fc.double({ min: -170, max: 170, noNaN: true }), lat: fc.double({ min: -84, max: 84, noNaN: true }) }),
        fc.array(fc.tuple(offset, offset, fc.nat(3)), { minLength: 1, maxLength: 400 }),
        fc.double({ min: 1, max: 200, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        async (center, offsets, radius, count) => {
          await redis.call(['DEL', 'g']);
          local.call(['DEL', 'g']);
          const add = ['GEOADD', 'g'];
          offsets.forEach(([dx, dy, dup], i) => {
            const lon = Math.max(-180, Math.min(180, center.lon + (dup === 0 ? 0 : dx)));
            const lat = Math.max(-85, Math.min(85, center.lat + (dup === 0 ? 0 : dy)));
            add.push(String(lon), String(lat), `m${i}`);
          });
          const c = [String(center.lon), String(center.lat)];
          const r = String(radius);
          const commands = [
            add,
            ['GEOSEARCH', 'g', 'FROMLONLAT', ...c, 'BYRADIUS', r, 'km', 'WITHDIST'],
            ['GEOSEARCH', 'g', 'FROMLONLAT', ...c, 'BYRADIUS', r, 'km', 'COUNT', String(count), 'WITHDIST'],
            ['GEOSEARCH', 'g', 'FROMLONLAT', ...c, 'BYBOX', r, r, 'km', 'COUNT', String(count), 'DESC'],
            ['GEOSEARCH', 'g', 'FROMMEMBER', 'm0', 'BYRADIUS', r, 'mi', 'COUNT', String(count), 'ANY', 'WITHHASH'],
            ['GEORADIUS', 'g', ...c, r, 'km', 'COUNT', String(count), 'STOREDIST', 'st'],
            ['ZRANGE', 'st', '0', '-1', 'WITHSCORES'],
          ];
          expect(await compareSequence(local, redis, commands)).toBeUndefined();
        },
      ),
      { seed: 11, numRuns: 60 },
    );
  });
});
