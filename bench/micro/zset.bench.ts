// Micro-benchmarks for sorted sets: ZADD of 100k random scores and ZRANGE by rank, through the command
// handlers (replies encoded) and on the ordered index alone. The index is a counted B+tree
// (src/types/ranked-tree.ts); a minimal skiplist with spans, as Redis's t_zset.c has it, is measured
// beside it on the same work so the choice stays checked.
import type { Bench } from 'tinybench';
import type { CommandContext } from '../../src/commands/context.ts';
import { zsetCommands } from '../../src/commands/zsets.ts';
import { RankedTree } from '../../src/types/ranked-tree.ts';
import { ReplyWriter } from '../../src/resp/reply-writer.ts';
import { Keyspace } from '../../src/shard/keyspace.ts';
import { ClientState } from '../../src/shard/client-state.ts';
import { ServerConfig } from '../../src/config/server-config.ts';

const N = 100_000;

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

// ---- A skiplist as zslInsert / zslGetElementByRank build it (p = 1/4, 32 levels). ----
const MAX_LEVEL = 32;

class SkipNode {
  member: string;
  score: number;
  backward: SkipNode | null = null;
  forward: Array<SkipNode | null>;
  span: number[];
  constructor(level: number, score: number, member: string) {
    this.member = member;
    this.score = score;
    this.forward = new Array<SkipNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

class SkipList {
  header = new SkipNode(MAX_LEVEL, 0, '');
  level = 1;
  length = 0;
  private update: SkipNode[] = new Array(MAX_LEVEL);
  private rank: number[] = new Array(MAX_LEVEL).fill(0);

  insert(score: number, member: string): void {
    const update = this.update;
    const rank = this.rank;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!;
      for (let f = x.forward[i]; f !== null && f !== undefined && (f.score < score || (f.score === score && f.member < member)); f = x.forward[i]) {
        rank[i] += x.span[i]!;
        x = f;
      }
      update[i] = x;
    }
    let level = 1;
    while (Math.random() < 0.25 && level < MAX_LEVEL) level++;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.length;
      }
      this.level = level;
    }
    const node = new SkipNode(level, score, member);
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      node.forward[i] = u.forward[i]!;
      u.forward[i] = node;
      node.span[i] = u.span[i]! - (rank[0]! - rank[i]!);
      u.span[i] = rank[0]! - rank[i]! + 1;
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++;
    node.backward = update[0] === this.header ? null : update[0]!;
    this.length++;
  }

  /** The node at 0-based rank r. */
  at(r: number): SkipNode {
    let traversed = 0;
    let x = this.header;
    const target = r + 1;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = x.forward[i]; f !== null && f !== undefined && traversed + x.span[i]! <= target; f = x.forward[i]) {
        traversed += x.span[i]!;
        x = f;
      }
      if (traversed === target) return x;
    }
    throw new Error('rank out of range');
  }
}

export default function register(bench: Bench): void {
  const scores: string[] = [];
  const scoreValues: number[] = [];
  const members: string[] = [];
  for (let i = 0; i < N; i++) {
    const s = Math.random() * 1e6;
    scoreValues.push(s);
    scores.push(String(s));
    members.push(`member:${i}`);
  }
  let sink = 0;

  bench.add('zset: ZADD 100k random scores (one command each, new key)', () => {
    const ctx = benchContext();
    const argv = ['ZADD', 'z', '', ''];
    for (let i = 0; i < N; i++) {
      argv[2] = scores[i]!;
      argv[3] = members[i]!;
      zsetCommands.zadd!(ctx, argv);
      if (ctx.reply.pos > 8192) ctx.reply.reset();
    }
    sink += ctx.reply.pos;
  });

  bench.add('zset index: insert 100k random (counted B+tree)', () => {
    const tree = new RankedTree();
    for (let i = 0; i < N; i++) tree.insert(scoreValues[i]!, members[i]!);
    sink += tree.size;
  });

  bench.add('zset index: insert 100k random (skiplist with spans)', () => {
    const list = new SkipList();
    for (let i = 0; i < N; i++) list.insert(scoreValues[i]!, members[i]!);
    sink += list.length;
  });

  // Range reads on a 100k-element set.
  const ctx = benchContext();
  const argv = ['ZADD', 'z', '', ''];
  for (let i = 0; i < N; i++) {
    argv[2] = scores[i]!;
    argv[3] = members[i]!;
    zsetCommands.zadd!(ctx, argv);
  }
  ctx.reply.reset();
  const tree = new RankedTree();
  const list = new SkipList();
  for (let i = 0; i < N; i++) {
    tree.insert(scoreValues[i]!, members[i]!);
    list.insert(scoreValues[i]!, members[i]!);
  }
  let r = 0;
  const nextRank = (): number => (r = (r + 7919) % (N - 100));

  bench.add('zset: ZRANGE z r r+9 (100k set, random rank)', () => {
    const start = nextRank();
    zsetCommands.zrange!(ctx, ['ZRANGE', 'z', String(start), String(start + 9)]);
    ctx.reply.reset();
  });

  bench.add('zset: ZRANGE z r r+99 WITHSCORES (100k set)', () => {
    const start = nextRank();
    zsetCommands.zrange!(ctx, ['ZRANGE', 'z', String(start), String(start + 99), 'WITHSCORES']);
    ctx.reply.reset();
  });

  bench.add('zset: ZRANK of a random member (100k set)', () => {
    zsetCommands.zrank!(ctx, ['ZRANK', 'z', members[nextRank()]!]);
    ctx.reply.reset();
  });

  bench.add('zset index: element at random rank (counted B+tree)', () => {
    tree.seek(nextRank());
    sink++;
  });

  bench.add('zset index: element at random rank (skiplist with spans)', () => {
    sink += list.at(nextRank()).score;
  });

  if (sink === -1) console.log(sink);
}
