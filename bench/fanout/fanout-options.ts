// Options of `shoal bench fanout`: which servers, how many followers per step, the write load and
// the outputs.

export type ServerKind = 'shoal' | 'redis';

export interface FanoutOptions {
  /** Server kinds measured in alternation (each step runs every kind once per round). */
  kinds: ServerKind[];
  /** Numbers of followers, one step each (0 measures the primary alone). */
  followers: number[];
  rounds: number;
  /** Seconds of write load per step (after the followers are in sync). */
  testTime: number;
  clients: number;
  pipeline: number;
  dataSize: number;
  keyMaximum: number;
  /** Probe writes per second on the primary (each one's visibility is timed on every follower). */
  probeRate: number;
  /** shoal's --threads for the primary and the followers. */
  threads: number;
  jsonOut: string | null;
  htmlOut: string | null;
}

export const FANOUT_USAGE = `usage: shoal bench fanout [options]

Starts a primary and N followers (shoal, redis-server or both, in alternation), drives a SET load on
the primary, and reports the primary's throughput and each follower's replication lag: the time from
the primary's acknowledgement of a probe write to its visibility on the follower.

  --kinds shoal,redis     servers to measure, in alternation (default shoal,redis)
  --followers 0,1,2,4     follower counts, one step each (default 0,1,2,4)
  --rounds N              rounds over every step and kind (default 3)
  --test-time S           seconds of load per step (default 5)
  --clients N             load connections (default 50)
  --pipeline N            requests in flight per load connection (default 16)
  --data-size B           value size in bytes (default 32)
  --key-maximum N         keys are fanout:0 .. fanout:N-1 (default 100000)
  --probe-rate N          probe writes per second (default 500)
  --threads N             shoal's shard workers (default 2)
  --json-out FILE         every figure and the merged lag histograms
  --html-out FILE         a self-contained HTML report with plots
`;

export class FanoutUsageError extends Error {}

function positiveInteger(name: string, value: string | undefined, allowZero = false): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new FanoutUsageError(`${name} needs a ${allowZero ? 'non-negative' : 'positive'} integer, got "${value}"`);
  return n;
}

export function parseFanoutOptions(argv: readonly string[]): FanoutOptions {
  const options: FanoutOptions = {
    kinds: ['shoal', 'redis'], followers: [0, 1, 2, 4], rounds: 3, testTime: 5, clients: 50, pipeline: 16,
    dataSize: 32, keyMaximum: 100_000, probeRate: 500, threads: 2, jsonOut: null, htmlOut: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!;
    const value = argv[i + 1];
    switch (name) {
      case '--kinds': {
        const kinds = (value ?? '').split(',').filter((k) => k !== '');
        for (const kind of kinds) if (kind !== 'shoal' && kind !== 'redis') throw new FanoutUsageError(`unknown server kind "${kind}"`);
        if (kinds.length === 0) throw new FanoutUsageError('--kinds needs shoal, redis or both');
        options.kinds = kinds as ServerKind[];
        break;
      }
      case '--followers':
        options.followers = (value ?? '').split(',').map((n) => positiveInteger('--followers', n, true));
        break;
      case '--rounds': options.rounds = positiveInteger(name, value); break;
      case '--test-time': options.testTime = positiveInteger(name, value); break;
      case '--clients': options.clients = positiveInteger(name, value); break;
      case '--pipeline': options.pipeline = positiveInteger(name, value); break;
      case '--data-size': options.dataSize = positiveInteger(name, value); break;
      case '--key-maximum': options.keyMaximum = positiveInteger(name, value); break;
      case '--probe-rate': options.probeRate = positiveInteger(name, value); break;
      case '--threads': options.threads = positiveInteger(name, value); break;
      case '--json-out': options.jsonOut = value ?? null; break;
      case '--html-out': options.htmlOut = value ?? null; break;
      default: throw new FanoutUsageError(`unknown option "${name}"`);
    }
    i++;
  }
  return options;
}
