// COMMAND INFO / DOCS / COUNT / LIST / GETKEYS replies compared with a real redis-server 7.0.15, in
// RESP2 and RESP3, for every command. redis orders top-level commands and a container's subcommands
// by its hash table (randomly seeded per process), so those orders are normalised before comparing.
// Redis's prose (command and argument summaries, history lines, key spec notes) is deliberately not
// carried into shoal, so those fields are left out of the comparison; everything else must match.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  replyCommandCount,
  replyCommandDocs,
  replyCommandGetKeys,
  replyCommandInfo,
  replyCommandList,
} from '../../../src/commands/command-info.ts';
import type { ReplySink } from '../../../src/commands/reply-sink.ts';
import { listTopLevelCommands } from '../../../src/commands/table.ts';
import { ReplyWriter } from '../../../src/resp/reply-writer.ts';
import { parseReply, type RawConnection, type RealRedis, type RespValue, startRealRedis } from './real-redis.ts';

function ours(proto: 2 | 3, build: (out: ReplySink) => void): Buffer {
  const w = new ReplyWriter();
  w.proto = proto;
  build(w);
  return Buffer.from(w.take());
}

// Replies are parsed with their RESP types kept (see parseReply's `typed`): every aggregate
// starts with its type character.
const byName = (a: RespValue, b: RespValue) => String((a as RespValue[])[1]).localeCompare(String((b as RespValue[])[1]));

// Sorts the subcommands of a COMMAND INFO entry (its 10th element) by name, recursively.
function normaliseInfo(entry: RespValue): RespValue {
  if (!Array.isArray(entry)) return entry;
  const subs = entry[10] as RespValue[];
  const sortedSubs = [subs[0], ...subs.slice(1).map(normaliseInfo).sort(byName)];
  return [...entry.slice(0, 10), sortedSubs];
}

// Sorts the "subcommands" map of a COMMAND DOCS body by name, recursively.
function normaliseDocs(body: RespValue): RespValue {
  if (!Array.isArray(body)) return body;
  const out = [...body];
  const i = out.indexOf('$subcommands');
  if (i >= 0 && i % 2 === 1) {
    const flat = out[i + 1] as RespValue[];
    const pairs: RespValue[] = [];
    for (let j = 1; j < flat.length; j += 2) pairs.push([null, flat[j], normaliseDocs(flat[j + 1])]);
    pairs.sort(byName);
    out[i + 1] = [flat[0], ...pairs.flatMap((p) => (p as RespValue[]).slice(1))];
  }
  return out;
}

const PROSE_FIELDS = new Set(['$summary', '$history', '$notes']);

// Removes the prose fields from every map (typed parse: [type, k1, v1, k2, v2 ...]) of a reply.
function withoutProse(value: RespValue): RespValue {
  if (!Array.isArray(value)) return value;
  const isMap = value[0] === '%' || (value.length % 2 === 1 && value.some((v, i) => i % 2 === 1 && PROSE_FIELDS.has(v as string)));
  const out: RespValue[] = [value[0]];
  for (let i = 1; i < value.length; i++) {
    if (isMap && i % 2 === 1 && PROSE_FIELDS.has(value[i] as string)) {
      i++;
      continue;
    }
    out.push(withoutProse(value[i]));
  }
  return out;
}

function sameWithoutProse(theirs: Buffer, mine: Buffer): boolean {
  const t = withoutProse(parseReply(theirs, 0, true)[0]);
  const m = withoutProse(parseReply(mine, 0, true)[0]);
  return JSON.stringify(t) === JSON.stringify(m);
}

describe('COMMAND replies match redis-server 7.0.15', () => {
  let redis: RealRedis;
  const conns: Record<2 | 3, RawConnection> = {} as Record<2 | 3, RawConnection>;
  const names = listTopLevelCommands().map((s) => s.name);

  beforeAll(async () => {
    redis = await startRealRedis();
    conns[2] = await redis.connect();
    conns[3] = await redis.connect();
    await conns[3].raw(['HELLO', '3']);
  });
  afterAll(() => {
    conns[2]?.close();
    conns[3]?.close();
    redis?.stop();
  });

  for (const proto of [2, 3] as const) {
    it(`COMMAND INFO of every command, RESP${proto}`, async () => {
      const mismatches: string[] = [];
      for (const name of [...names, 'config|get', 'client|kill', 'object|freq', 'nosuchcmd', 'GET']) {
        const theirs = await conns[proto].raw(['COMMAND', 'INFO', name]);
        const mine = ours(proto, (out) => replyCommandInfo(out, [name]));
        if (theirs.equals(mine)) continue;
        // Containers: same content, subcommands in redis's hash order.
        const t = (withoutProse(parseReply(theirs, 0, true)[0]) as RespValue[]).map(normaliseInfo);
        const m = (withoutProse(parseReply(mine, 0, true)[0]) as RespValue[]).map(normaliseInfo);
        if (JSON.stringify(t) !== JSON.stringify(m)) {
          mismatches.push(`${name}\n  redis: ${JSON.stringify(theirs.toString())}\n  shoal: ${JSON.stringify(mine.toString())}`);
        }
      }
      expect(mismatches.join('\n')).toBe('');
    });

    it(`COMMAND DOCS of every command, RESP${proto}`, async () => {
      const mismatches: string[] = [];
      for (const name of [...names, 'config|set', 'xgroup|create', 'nosuchcmd']) {
        const theirs = await conns[proto].raw(['COMMAND', 'DOCS', name]);
        const mine = ours(proto, (out) => replyCommandDocs(out, [name]));
        if (theirs.equals(mine)) continue;
        const t = withoutProse(parseReply(theirs, 0, true)[0]) as RespValue[];
        const m = withoutProse(parseReply(mine, 0, true)[0]) as RespValue[];
        const tn = [t[0], t[1], normaliseDocs(t[2])];
        const mn = [m[0], m[1], normaliseDocs(m[2])];
        if (JSON.stringify(tn) !== JSON.stringify(mn)) {
          mismatches.push(`${name}\n  redis: ${JSON.stringify(theirs.toString().slice(0, 2000))}\n  shoal: ${JSON.stringify(mine.toString().slice(0, 2000))}`);
        }
      }
      expect(mismatches.join('\n')).toBe('');
    });

    it(`COMMAND DOCS with several names and COMMAND INFO with several names, RESP${proto}`, async () => {
      const docArgs = ['get', 'nosuch', 'set', 'sort'];
      expect(sameWithoutProse(await conns[proto].raw(['COMMAND', 'DOCS', ...docArgs]), ours(proto, (out) => replyCommandDocs(out, docArgs)))).toBe(true);
      const infoArgs = ['get', 'nosuch', 'XREAD', 'zunionstore'];
      expect(sameWithoutProse(await conns[proto].raw(['COMMAND', 'INFO', ...infoArgs]), ours(proto, (out) => replyCommandInfo(out, infoArgs)))).toBe(true);
    });

    it(`COMMAND GETKEYS / GETKEYSANDFLAGS, RESP${proto}`, async () => {
      const requests = [
        ['GET', 'k'],
        ['SET', 'k', 'v', 'GET'],
        ['SORT', 'k', 'STORE', 'd'],
        ['EVAL', 's', '0'],
        ['ZUNIONSTORE', 'd', '0', 'a'],
        ['PING', 'x'],
        ['NOSUCH', 'x'],
        ['GET', 'a', 'b'],
        ['MIGRATE', 'h', '1', '', '0', '0', 'KEYS', 'a', 'b'],
        ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', 'b', '0', '0'],
      ];
      for (const r of requests) {
        for (const sub of ['GETKEYS', 'GETKEYSANDFLAGS']) {
          const theirs = (await conns[proto].raw(['COMMAND', sub, ...r])).toString();
          const mine = ours(proto, (out) => replyCommandGetKeys(out, r, sub === 'GETKEYSANDFLAGS')).toString();
          expect(mine, `${sub} ${r.join(' ')}`).toBe(theirs);
        }
      }
    });
  }

  it('COMMAND COUNT', async () => {
    expect((await conns[2].raw(['COMMAND', 'COUNT'])).toString()).toBe(ours(2, replyCommandCount).toString());
  });

  it('COMMAND LIST with and without filters', async () => {
    const cases = [
      [],
      ['FILTERBY', 'ACLCAT', 'hyperloglog'],
      ['FILTERBY', 'aclcat', 'DANGEROUS'],
      ['FILTERBY', 'aclcat', 'nope'],
      ['FILTERBY', 'PATTERN', 'config*'],
      ['FILTERBY', 'pattern', '*|h?lp'],
      ['FILTERBY', 'MODULE', 'x'],
      ['FILTERBY', 'ACLCAT'],
      ['x'],
    ];
    for (const args of cases) {
      const theirs = parseReply(await conns[2].raw(['COMMAND', 'LIST', ...args]))[0];
      const mine = parseReply(ours(2, (out) => replyCommandList(out, args)))[0];
      const sorted = (v: RespValue) => (Array.isArray(v) ? [...v].sort() : v);
      expect(sorted(mine), args.join(' ')).toEqual(sorted(theirs));
    }
  });
});
