// Micro-benchmarks for the list type and its commands: filling a list to 1M elements with LPUSH and
// draining it with LPOP (the ListValue alone, and through the command handlers with replies encoded),
// then single commands against a 1M-element list (LINDEX in the middle, LRANGE as redis-benchmark's
// lrange_100 / lrange_600, an LPUSH+LPOP pair at the head).
import type { Bench } from 'tinybench';
import type { CommandContext } from '../../src/commands/context.ts';
import { listCommands } from '../../src/commands/lists.ts';
import { ListValue } from '../../src/types/list-value.ts';
import { ReplyWriter } from '../../src/resp/reply-writer.ts';
import { Keyspace } from '../../src/shard/keyspace.ts';
import { ClientState } from '../../src/shard/client-state.ts';
import { ServerConfig } from '../../src/config/server-config.ts';

const MILLION = 1_000_000;

function benchContext(): CommandContext {
  const keyspace = new Keyspace({ keyExpired: () => {} });
  return {
    reply: new ReplyWriter(),
    keyspace,
    db: keyspace.dbs[0]!,
    client: new ClientState(1),
    config: ServerConfig.defaults(),
    changed() {},
    notify() {},
    propagate() {},
    block() {},
  };
}

export default function register(bench: Bench): void {
  const values = Array.from({ length: 1024 }, (_, i) => `value:${i}`);
  let sink = 0;

  bench.add('list: ListValue 1M pushHead then 1M popHead', () => {
    const list = new ListValue();
    for (let i = 0; i < MILLION; i++) list.pushHead(values[i & 1023]!);
    for (let i = 0; i < MILLION; i++) sink += list.popHead()!.length;
  });

  // Through the handlers: argv as the parser gives it, replies encoded and taken in batches of 16
  // (100k per run: tinybench runs every task at least 64 times).
  const ctx = benchContext();
  const lpush = listCommands.lpush!;
  const lpop = listCommands.lpop!;
  const lindex = listCommands.lindex!;
  const lrange = listCommands.lrange!;
  const pushArgv = values.map((v) => ['LPUSH', 'fill', v]);
  const popArgv = ['LPOP', 'fill'];
  const HANDLER_FILL = 100_000;
  bench.add('list: LPUSH x100k then LPOP x100k via handlers (replies encoded)', () => {
    for (let i = 0; i < HANDLER_FILL; i++) {
      lpush(ctx, pushArgv[i & 1023]!);
      if ((i & 15) === 15) sink += ctx.reply.take().length;
    }
    for (let i = 0; i < HANDLER_FILL; i++) {
      lpop(ctx, popArgv);
      if ((i & 15) === 15) sink += ctx.reply.take().length;
    }
    sink += ctx.reply.take().length;
  });

  // The 1M-element list the single-command tasks read (and keep at 1M).
  const bigArgv = ['RPUSH', 'big', ...values];
  for (let i = 0; i < Math.ceil(MILLION / values.length); i++) listCommands.rpush!(ctx, bigArgv);
  ctx.reply.take();

  const lindexArgv = ['LINDEX', 'big', '500000'];
  bench.add('list: LINDEX middle of a 1M list', () => {
    lindex(ctx, lindexArgv);
    sink += ctx.reply.take().length;
  });

  const pairArgv = ['LPUSH', 'big', 'xxx'];
  const popBig = ['LPOP', 'big'];
  bench.add('list: LPUSH + LPOP at the head of a 1M list', () => {
    lpush(ctx, pairArgv);
    lpop(ctx, popBig);
    sink += ctx.reply.take().length;
  });

  for (const n of [100, 600]) {
    const argv = ['LRANGE', 'big', '0', String(n - 1)];
    bench.add(`list: LRANGE 0 ${n - 1} of a 1M list (lrange_${n})`, () => {
      lrange(ctx, argv);
      sink += ctx.reply.take().length;
    });
  }

  bench.add('list: LRANGE 100 from the middle of a 1M list', () => {
    lrange(ctx, ['LRANGE', 'big', '500000', '500099']);
    sink += ctx.reply.take().length;
  });

  bench.addEventListener('complete', () => {
    if (sink === -1) console.log(sink);
  });
}
