import { integerReply, arrayElements, stringReply } from '../resp/reply-scan.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import type { Connection } from '../shard/connection.ts';
import type { Session, SessionFamily } from '../shard/session.ts';
import { helpReply } from './help.ts';

/**
 * Like Redis's CLIENT_PUSHING: (un)subscribe confirmations are written even under CLIENT REPLY OFF/SKIP,
 * whose replies the dispatcher sends to its discard writer.
 */
function pushTarget(session: Session): ReplyWriter {
  const { out, conn, shard } = session;
  return out === shard.dispatcher.discard ? conn.reply : out;
}

function confirm(out: ReplyWriter, conn: Connection, kind: string, name: string | null): void {
  if (conn.client.resp === 3) out.push(3);
  else out.array(3);
  out.bulk(kind);
  if (name === null) out.nil();
  else out.bulk(name);
  out.integer(conn.channels.size + conn.patterns.size);
}

/** Sums one integer reply from every worker. */
async function sumFromAll(session: Session, argv: string[]): Promise<number> {
  const { shard } = session;
  const replies = await Promise.all(Array.from({ length: shard.workerCount }, (_, w) => shard.request(w, argv, 0, 2, session.txId)));
  let total = 0;
  for (const reply of replies) total += integerReply(reply) ?? 0;
  return total;
}

/** SUBSCRIBE and friends act on the client's own worker; PUBLISH and PUBSUB reach every worker. */
export const pubsubCommands: SessionFamily = {
  subscribe: {
    inSubscribeMode: true,
    handler(session, argv) {
      const { conn, shard } = session;
      const out = pushTarget(session);
      for (let i = 1; i < argv.length; i++) {
        shard.pubsub.subscribe(conn, argv[i]!);
        confirm(out, conn, 'subscribe', argv[i]!);
      }
    },
  },
  psubscribe: {
    inSubscribeMode: true,
    handler(session, argv) {
      const { conn, shard } = session;
      const out = pushTarget(session);
      for (let i = 1; i < argv.length; i++) {
        shard.pubsub.psubscribe(conn, argv[i]!);
        confirm(out, conn, 'psubscribe', argv[i]!);
      }
    },
  },
  unsubscribe: {
    inSubscribeMode: true,
    handler(session, argv) {
      const { conn, shard } = session;
      const out = pushTarget(session);
      const channels = argv.length > 1 ? argv.slice(1) : [...conn.channels];
      if (channels.length === 0) confirm(out, conn, 'unsubscribe', null);
      for (const channel of channels) {
        shard.pubsub.unsubscribe(conn, channel);
        confirm(out, conn, 'unsubscribe', channel);
      }
    },
  },
  punsubscribe: {
    inSubscribeMode: true,
    handler(session, argv) {
      const { conn, shard } = session;
      const out = pushTarget(session);
      const patterns = argv.length > 1 ? argv.slice(1) : [...conn.patterns];
      if (patterns.length === 0) confirm(out, conn, 'punsubscribe', null);
      for (const pattern of patterns) {
        shard.pubsub.punsubscribe(conn, pattern);
        confirm(out, conn, 'punsubscribe', pattern);
      }
    },
  },
  publish: {
    allWorkers: false,
    async handler(session, argv) {
      // As Redis: a primary's PUBLISH goes to its replicas (their subscribers get it too), never to
      // the AOF (the log thread leaves it out there). A replica's own PUBLISH stays local.
      if (!session.shard.keyspace.isReplica) session.shard.emitEffect(session.conn.client.dbIndex, ['PUBLISH', argv[1]!, argv[2]!]);
      session.out.integer(await sumFromAll(session, ['@publish', argv[1]!, argv[2]!]));
    },
  },
  pubsub: {
    async handler(session, argv) {
      const { shard, out } = session;
      const sub = argv[1]!.toLowerCase();
      const fromAll = (request: string[]): Promise<Buffer[]> =>
        Promise.all(Array.from({ length: shard.workerCount }, (_, w) => shard.request(w, request, 0, 2, session.txId)));
      if (sub === 'channels') {
        const request = argv.length > 2 ? ['@pubsub-channels', argv[2]!] : ['@pubsub-channels'];
        const names = new Set<string>();
        for (const reply of await fromAll(request)) {
          for (const [start] of arrayElements(reply)!) names.add(stringReply(reply, start)!);
        }
        out.array(names.size);
        for (const name of names) out.bulk(name);
      } else if (sub === 'numsub') {
        const channels = argv.slice(2);
        const totals = new Array<number>(channels.length).fill(0);
        for (const reply of await fromAll(['@pubsub-numsub', ...channels])) {
          arrayElements(reply)!.forEach(([start], i) => (totals[i]! += integerReply(reply, start) ?? 0));
        }
        out.map(channels.length);
        channels.forEach((channel, i) => {
          out.bulk(channel);
          out.integer(totals[i]!);
        });
      } else if (sub === 'numpat') {
        const patterns = new Set<string>();
        for (const reply of await fromAll(['@pubsub-patterns'])) {
          for (const [start] of arrayElements(reply)!) patterns.add(stringReply(reply, start)!);
        }
        out.integer(patterns.size);
      } else if (sub === 'shardchannels') {
        out.array(0);
      } else if (sub === 'shardnumsub') {
        out.map(argv.length - 2);
        for (let i = 2; i < argv.length; i++) {
          out.bulk(argv[i]!);
          out.integer(0);
        }
      } else if (sub === 'help') {
        helpReply(out, 'PUBSUB', [
          'CHANNELS [<pattern>]: active channels, all or those matching the pattern.',
          'NUMPAT: how many pattern subscriptions there are.',
          'NUMSUB [<channel> ...]: subscribers of each channel (patterns not counted).',
          'SHARDCHANNELS [<pattern>]: active shard channels.',
          'SHARDNUMSUB [<shardchannel> ...]: subscribers of each shard channel.',
        ]);
      }
    },
  },
};
