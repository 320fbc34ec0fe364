import { parseCommandTemplate, setGetTemplates, uniqueTemplateNames, type CommandTemplate } from './command-template.ts';
import type { KeyPatternName } from './key-pattern.ts';
import type { ReplyReaderName } from './reply-reader.ts';
import { DEFAULT_REPLY_READER } from './redis-parser-reader.ts';

// The bench command line. Option names follow memtier_benchmark where it has one.

export interface BenchTarget {
  name: string;
  host: string;
  port: number;
}

export interface BenchOptions {
  targets: BenchTarget[];
  rounds: number;
  threads: number;
  clients: number;
  pipeline: number;
  /** Requests per client; null when the run is timed by testTimeSeconds. */
  requests: number | null;
  testTimeSeconds: number | null;
  warmupSeconds: number;
  templates: CommandTemplate[];
  keyPattern: KeyPatternName;
  keyMinimum: number;
  keyMaximum: number;
  keyPrefix: string;
  /** Key numbers are written with at least this many digits, zero-padded (1: no padding). */
  keyDigits: number;
  keyStddev: number | null;
  keyMedian: number | null;
  zipfExponent: number;
  dataSizeMinimum: number;
  dataSizeMaximum: number;
  /** Requests per second per connection (per client in cluster mode); null: as fast as possible. */
  rateLimit: number | null;
  protocol: 2 | 3;
  user: string | null;
  password: string | null;
  clusterMode: boolean;
  seed: number;
  replyReader: ReplyReaderName;
  jsonOut: string | null;
  htmlOut: string | null;
  hdrPrefix: string | null;
  quiet: boolean;
}

export const BENCH_USAGE = `usage: shoal bench [options]
       shoal bench report a.json [b.json ...] --html-out cmp.html

Connection
  -s, --server HOST          server host (default 127.0.0.1)
  -p, --port PORT            server port (default 6379)
  --target NAME=HOST:PORT    a named target; repeat to compare targets in alternating rounds
  --rounds N                 rounds per target, run A B A B ... (default 1, or 3 with several targets)
  --protocol 2|3             RESP version; 3 sends HELLO 3 (default 2)
  -a, --auth PASSWORD        password (AUTH or HELLO ... AUTH)
  --user USER                ACL user name (default: "default")
  --cluster-mode             route by CLUSTER SLOTS and follow MOVED/ASK redirections

Load
  -t, --threads N            load-generator threads (default 1)
  -c, --clients N            clients (connections) per thread (default 50)
  --pipeline N               requests in flight per client (default 1)
  -n, --requests N           requests per client (default 10000 unless --test-time)
  --test-time SECONDS        run for a fixed time instead of a request count
  --warmup SECONDS           run this long first without recording anything (default 0)
  --rate-limit N             requests/s per connection; latency counts from the intended send time
  --ratio SET:GET            SET/GET mix when no --command is given (default 1:10)
  --command "CMD ARGS"       a command template with __key__ and __data__ placeholders (repeatable)
  --command-ratio N          weight of the preceding --command (default 1)
  -d, --data-size N|MIN-MAX  value size in bytes, fixed or uniformly drawn (default 32)
  --key-pattern R|S|G|Z      uniform, sequential, gaussian or zipf keys (default R)
  --key-minimum N            smallest key number (default 0)
  --key-maximum N            largest key number (default 9999999)
  --key-prefix TEXT          key name prefix (default "key:")
  --key-digits N             write key numbers zero-padded to N digits, as redis-benchmark's
                             key:__rand_int__ (12); default 1, no padding
  --key-stddev N, --key-median N   gaussian parameters (default range/6 around the middle)
  --key-zipf-exp S           zipf exponent (default 0.99)
  --seed N                   random seed (default 1)
  --reply-parser resp|redis-parser  reply reader (default ${DEFAULT_REPLY_READER}, the faster one measured)

Output
  --json-out FILE            every figure and the merged histograms as JSON
  --html-out FILE            self-contained HTML report
  --hdr-prefix PREFIX        write PREFIX_<command>.hgrm percentile distributions
  -q, --quiet                no progress output
`;

export class UsageError extends Error {}

function parseInteger(name: string, text: string | undefined, minimum: number): number {
  if (text === undefined) throw new UsageError(`${name} needs a value`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) throw new UsageError(`${name} must be an integer >= ${minimum}, got "${text}"`);
  return value;
}

function parseNumber(name: string, text: string | undefined, exclusiveMinimum: number): number {
  if (text === undefined) throw new UsageError(`${name} needs a value`);
  const value = Number(text);
  if (!Number.isFinite(value) || value <= exclusiveMinimum) throw new UsageError(`${name} must be a number > ${exclusiveMinimum}, got "${text}"`);
  return value;
}

export function parseTarget(text: string): BenchTarget {
  const match = /^([^=]+)=(.+):(\d+)$/.exec(text);
  if (!match) throw new UsageError(`--target must look like NAME=HOST:PORT, got "${text}"`);
  const host = match[2].startsWith('[') && match[2].endsWith(']') ? match[2].slice(1, -1) : match[2];
  return { name: match[1], host, port: parseInteger('--target port', match[3], 1) };
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let host = '127.0.0.1';
  let port = 6379;
  const targets: BenchTarget[] = [];
  let rounds: number | null = null;
  let setGet: [number, number] = [1, 10];
  const commands: { line: string; ratio: number }[] = [];
  let dataSize: [number, number] = [32, 32];
  const options: Omit<BenchOptions, 'targets' | 'rounds' | 'templates' | 'dataSizeMinimum' | 'dataSizeMaximum'> = {
    threads: 1,
    clients: 50,
    pipeline: 1,
    requests: null,
    testTimeSeconds: null,
    warmupSeconds: 0,
    keyPattern: 'R',
    keyMinimum: 0,
    keyMaximum: 9_999_999,
    keyPrefix: 'key:',
    keyDigits: 1,
    keyStddev: null,
    keyMedian: null,
    zipfExponent: 0.99,
    rateLimit: null,
    protocol: 2,
    user: null,
    password: null,
    clusterMode: false,
    seed: 1,
    replyReader: DEFAULT_REPLY_READER,
    jsonOut: null,
    htmlOut: null,
    hdrPrefix: null,
    quiet: false,
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // --name=value is accepted as well as --name value.
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = equals > 0 ? arg.slice(0, equals) : arg;
    const value = (): string | undefined => (equals > 0 ? arg.slice(equals + 1) : argv[++i]);
    switch (name) {
      case '-s':
      case '--server':
      case '--host':
        host = value() ?? host;
        break;
      case '-p':
      case '--port':
        port = parseInteger(name, value(), 1);
        break;
      case '--target':
        targets.push(parseTarget(value() ?? ''));
        break;
      case '--rounds':
        rounds = parseInteger(name, value(), 1);
        break;
      case '--protocol': {
        const text = value();
        if (text !== '2' && text !== '3') throw new UsageError('--protocol must be 2 or 3');
        options.protocol = text === '3' ? 3 : 2;
        break;
      }
      case '-a':
      case '--auth':
      case '--password':
        options.password = value() ?? null;
        break;
      case '--user':
        options.user = value() ?? null;
        break;
      case '--cluster-mode':
        options.clusterMode = true;
        break;
      case '-t':
      case '--threads':
        options.threads = parseInteger(name, value(), 1);
        break;
      case '-c':
      case '--clients':
        options.clients = parseInteger(name, value(), 1);
        break;
      case '-P':
      case '--pipeline':
        options.pipeline = parseInteger(name, value(), 1);
        break;
      case '-n':
      case '--requests':
        options.requests = parseInteger(name, value(), 1);
        break;
      case '--test-time':
        options.testTimeSeconds = parseNumber(name, value(), 0);
        break;
      case '--warmup':
        options.warmupSeconds = parseNumber(name, value(), -1e-12);
        break;
      case '--rate-limit':
        options.rateLimit = parseNumber(name, value(), 0);
        break;
      case '--ratio': {
        const match = /^(\d+):(\d+)$/.exec(value() ?? '');
        if (!match) throw new UsageError('--ratio must look like SET:GET, e.g. 1:10');
        setGet = [Number(match[1]), Number(match[2])];
        break;
      }
      case '--command':
        commands.push({ line: value() ?? '', ratio: 1 });
        break;
      case '--command-ratio': {
        const ratio = parseInteger(name, value(), 0);
        if (commands.length === 0) throw new UsageError('--command-ratio must follow a --command');
        commands[commands.length - 1].ratio = ratio;
        break;
      }
      case '-d':
      case '--data-size': {
        const text = value() ?? '';
        const match = /^(\d+)(?:-(\d+))?$/.exec(text);
        if (!match) throw new UsageError(`--data-size must be N or MIN-MAX, got "${text}"`);
        const minimum = Number(match[1]);
        const maximum = match[2] === undefined ? minimum : Number(match[2]);
        if (maximum < minimum) throw new UsageError('--data-size MIN-MAX needs MIN <= MAX');
        dataSize = [minimum, maximum];
        break;
      }
      case '--key-pattern': {
        const text = (value() ?? '').toUpperCase();
        if (text !== 'R' && text !== 'S' && text !== 'G' && text !== 'Z') throw new UsageError('--key-pattern must be R, S, G or Z');
        options.keyPattern = text;
        break;
      }
      case '--key-minimum':
        options.keyMinimum = parseInteger(name, value(), 0);
        break;
      case '--key-maximum':
        options.keyMaximum = parseInteger(name, value(), 0);
        break;
      case '--key-prefix':
        options.keyPrefix = value() ?? '';
        break;
      case '--key-digits':
        options.keyDigits = parseInteger(name, value(), 1);
        if (options.keyDigits > 16) throw new UsageError('--key-digits must be at most 16');
        break;
      case '--key-stddev':
        options.keyStddev = parseNumber(name, value(), 0);
        break;
      case '--key-median':
        options.keyMedian = parseNumber(name, value(), -Infinity);
        break;
      case '--key-zipf-exp':
        options.zipfExponent = parseNumber(name, value(), 0);
        break;
      case '--seed':
        options.seed = parseInteger(name, value(), 0);
        break;
      case '--reply-parser': {
        const text = value();
        if (text !== 'resp' && text !== 'redis-parser') throw new UsageError('--reply-parser must be resp or redis-parser');
        options.replyReader = text;
        break;
      }
      case '--json-out':
        options.jsonOut = value() ?? null;
        break;
      case '--html-out':
        options.htmlOut = value() ?? null;
        break;
      case '--hdr-prefix':
        options.hdrPrefix = value() ?? null;
        break;
      case '-q':
      case '--quiet':
        options.quiet = true;
        break;
      default:
        throw new UsageError(`unknown option "${arg}"`);
    }
  }

  if (options.keyMaximum < options.keyMinimum) throw new UsageError('--key-maximum must be >= --key-minimum');
  if (options.requests !== null && options.testTimeSeconds !== null) throw new UsageError('give --requests or --test-time, not both');
  if (options.requests === null && options.testTimeSeconds === null) options.requests = 10_000;
  if (options.protocol === 3 && options.replyReader === 'redis-parser') throw new UsageError('redis-parser reads RESP2 only; use --reply-parser resp with --protocol 3');
  if (options.pipeline > 65535) throw new UsageError('--pipeline is limited to 65535');
  if (targets.length === 0) targets.push({ name: `${host}:${port}`, host, port });
  const names = new Set(targets.map((t) => t.name));
  if (names.size !== targets.length) throw new UsageError('--target names must be distinct');

  const templates = uniqueTemplateNames(
    commands.length > 0 ? commands.map((c) => parseCommandTemplate(c.line, c.ratio)) : setGetTemplates(setGet[0], setGet[1]),
  );
  return {
    ...options,
    targets,
    rounds: rounds ?? (targets.length > 1 ? 3 : 1),
    templates,
    dataSizeMinimum: dataSize[0],
    dataSizeMaximum: dataSize[1],
  };
}
