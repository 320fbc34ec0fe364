import type { CommandFamily } from './context.ts';
import type { SessionFamily } from '../shard/session.ts';
import { keyFootprint } from '../shard/eviction.ts';
import { helpReply } from './help.ts';
import { humanBytes } from './info.ts';

/**
 * MEMORY USAGE: an estimate of a key's footprint, from its compact serialized form plus a fixed
 * overhead per key. V8 does not report the size of one object, so this is not Redis's allocator
 * figure, but it grows with the value as Redis's does. SAMPLES is accepted and ignored: the whole
 * value is measured.
 */
export const memoryKeyCommands: CommandFamily = {
  'memory|usage'(ctx, argv) {
    if (argv.length !== 3 && !(argv.length === 5 && argv[3]!.toLowerCase() === 'samples' && /^[0-9]+$/.test(argv[4]!))) {
      ctx.reply.error('ERR syntax error');
      return;
    }
    const key = argv[2]!;
    const value = ctx.keyspace.lookupRead(ctx.db, key);
    if (value === undefined) {
      ctx.reply.nil();
      return;
    }
    // The same estimate maxmemory counts (see src/shard/eviction.ts).
    ctx.reply.integer(keyFootprint(key, value));
  },
};

export const memoryCommands: SessionFamily = {
  'memory|doctor': {
    handler({ out }) {
      const m = process.memoryUsage();
      out.verbatim(`No memory problems detected: heap ${humanBytes(m.heapUsed)} used of ${humanBytes(m.heapTotal)}, RSS ${humanBytes(m.rss)}.`);
    },
  },
  'memory|stats': {
    handler({ out }) {
      const m = process.memoryUsage();
      const fields: Array<[string, number | string]> = [
        ['peak.allocated', m.heapTotal], ['total.allocated', m.heapUsed + m.external], ['startup.allocated', 0],
        ['replication.backlog', 0], ['clients.slaves', 0], ['clients.normal', 0], ['aof.buffer', 0],
        ['keys.count', 0], ['dataset.bytes', m.heapUsed], ['rss-bytes', m.rss], ['peak.allocated.human', humanBytes(m.heapTotal)],
      ];
      out.map(fields.length);
      for (const [name, value] of fields) {
        out.bulk(name);
        if (typeof value === 'number') out.integer(value);
        else out.bulk(value);
      }
    },
  },
  'memory|malloc-stats': {
    handler({ out }) {
      out.bulk('Stats not supported for the current allocator');
    },
  },
  'memory|purge': {
    handler({ out }) {
      out.simple('OK');
    },
  },
  'memory|help': {
    handler({ out }) {
      helpReply(out, 'MEMORY', [
        'DOCTOR: an assessment of memory problems.', "MALLOC-STATS: the allocator's internal statistics.",
        'PURGE: asks the allocator to release memory.', 'STATS: memory usage details.',
        'USAGE <key> [SAMPLES <count>]: an estimate of the memory a key and its value take.',
      ]);
    },
  },
};
