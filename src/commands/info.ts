import os from 'node:os';
import { arrayElements, integerReply, stringReply } from '../resp/reply-scan.ts';
import { slotRange } from '../ipc/slot-table.ts';
import type { Session } from '../shard/session.ts';
import type { WorkerStats } from '../shard/worker-stats.ts';
import { REDIS_VERSION } from './connection.ts';
import { fromAllWorkers } from './keyspace-wide.ts';
import { persistenceInfoFields } from '../persistence/persistence-info.ts';
import { scriptingMemoryFields } from '../scripting/scripting-info.ts';
import { trackingFigures } from '../shard/tracking-info.ts';
import { replicationInfoLines, replicationStatsFields } from './replication.ts';

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace', 'threads'];
const ALL_SECTIONS = [...DEFAULT_SECTIONS.slice(0, 8), 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace', 'threads'];
const RUN_ID = Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');

export function humanBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)}${units[unit]}`;
}

/** Which sections INFO's arguments ask for, in Redis's order, without duplicates. */
function selectSections(argv: readonly string[]): string[] {
  if (argv.length === 1) return DEFAULT_SECTIONS;
  const asked = new Set(argv.slice(1).map((a) => a.toLowerCase()));
  if (asked.has('all') || asked.has('everything')) return ALL_SECTIONS;
  const out: string[] = [];
  if (asked.has('default')) out.push(...DEFAULT_SECTIONS);
  for (const name of [...ALL_SECTIONS]) if (asked.has(name) && !out.includes(name)) out.push(name);
  return out;
}

/** INFO: figures of every worker, gathered and merged, in Redis 7.0's sections and field names. */
export async function infoCommand(session: Session, argv: string[]): Promise<void> {
  const { shard, out } = session;
  const sections = selectSections(argv);
  const statsReplies = await fromAllWorkers(session, ['@stats'], 0);
  const stats = statsReplies.map((r) => JSON.parse(stringReply(r) ?? '{}') as WorkerStats);
  const sum = (f: (s: WorkerStats) => number): number => stats.reduce((a, s) => a + f(s), 0);
  const tracking = sections.includes('clients') || sections.includes('stats') ? await trackingFigures(session) : null;
  const memory = process.memoryUsage();
  const cpu = process.resourceUsage();
  const now = Date.now();
  const uptime = Math.floor((now - shard.startedAt) / 1000);
  const config = shard.config;
  const lines: string[] = [];
  for (const section of sections) {
    const add = (...fields: string[]): void => {
      if (lines.length > 0) lines.push('');
      lines.push(section === 'cpu' ? '# CPU' : `# ${section[0]!.toUpperCase()}${section.slice(1)}`, ...fields);
    };
    switch (section) {
      case 'server':
        add(
          `redis_version:${REDIS_VERSION}`, 'redis_git_sha1:00000000', 'redis_git_dirty:0', 'redis_build_id:0',
          `redis_mode:${config.clusterEnabled ? 'cluster' : 'standalone'}`, `os:${os.type()} ${os.release()} ${os.arch()}`,
          'arch_bits:64', 'monotonic_clock:POSIX clock_gettime', 'multiplexing_api:epoll', 'atomicvar_api:c11-builtin',
          'gcc_version:0.0.0', `process_id:${process.pid}`, 'process_supervised:no', `run_id:${RUN_ID}`,
          `tcp_port:${config.port}`, `server_time_usec:${now * 1000}`, `uptime_in_seconds:${uptime}`,
          `uptime_in_days:${Math.floor(uptime / 86400)}`, `hz:${config.hz}`, `configured_hz:${config.hz}`,
          `lru_clock:${Math.floor(now / 1000) & 0xffffff}`, `executable:${process.argv[1] ?? ''}`,
          `config_file:${config.configFile ?? ''}`, 'io_threads_active:0', `shoal_version:0.1.0`, `node_version:${process.version}`,
        );
        break;
      case 'clients':
        add(
          `connected_clients:${shard.stats.totalClients()}`, 'cluster_connections:0', `maxclients:${config.maxclients}`,
          'client_recent_max_input_buffer:0', 'client_recent_max_output_buffer:0', `blocked_clients:${sum((s) => s.blockedClients)}`,
          `tracking_clients:${tracking?.clients ?? 0}`, 'clients_in_timeout_table:0',
        );
        break;
      case 'memory': {
        // Every worker's heap (each is its own V8 isolate), as maxmemory counts it (eviction.ts).
        shard.memory.sample();
        const startup = shard.memory.startupTotal();
        const used = startup + shard.memory.used();
        add(
          `used_memory:${used}`, `used_memory_human:${humanBytes(used)}`,
          `used_memory_rss:${memory.rss}`, `used_memory_rss_human:${humanBytes(memory.rss)}`,
          `used_memory_peak:${memory.heapTotal}`, `used_memory_peak_human:${humanBytes(memory.heapTotal)}`,
          `used_memory_overhead:0`, `used_memory_startup:${startup}`, `used_memory_dataset:${memory.heapUsed}`,
          `total_system_memory:${os.totalmem()}`, `total_system_memory_human:${humanBytes(os.totalmem())}`,
          ...scriptingMemoryFields(), `maxmemory:${config.maxmemory}`, `maxmemory_human:${humanBytes(config.maxmemory)}`,
          `maxmemory_policy:${config.maxmemoryPolicy}`, `mem_fragmentation_ratio:${(memory.rss / Math.max(1, memory.heapUsed)).toFixed(2)}`,
          // Not jemalloc: the Tcl suite runs jemalloc-specific MEMORY USAGE checks only for jemalloc.
          // maxmemory counts the dataset estimate only (eviction.ts): start-up memory is not counted.
          `mem_not_counted_for_evict:${startup}`,
          'mem_allocator:v8', 'lazyfree_pending_objects:0', 'lazyfreed_objects:0',
        );
        break;
      }
      case 'persistence':
        add(...persistenceInfoFields(shard, sum((s) => s.dirty), stats.map((s) => s.saveProgress)));
        break;
      case 'stats':
        add(
          `total_connections_received:${sum((s) => s.connectionsReceived)}`, `total_commands_processed:${sum((s) => s.commands)}`,
          `instantaneous_ops_per_sec:${sum((s) => s.opsPerSec)}`, `total_net_input_bytes:${sum((s) => s.netInput)}`,
          `total_net_output_bytes:${sum((s) => s.netOutput)}`, 'instantaneous_input_kbps:0.00', 'instantaneous_output_kbps:0.00',
          'rejected_connections:0', ...replicationStatsFields(shard),
          `expired_keys:${sum((s) => s.expiredKeys)}`, 'expired_stale_perc:0.00', 'expired_time_cap_reached_count:0',
          'expire_cycle_cpu_milliseconds:0', `evicted_keys:${sum((s) => s.evictedKeys)}`, 'evicted_clients:0', 'total_eviction_exceeded_time:0',
          'current_eviction_exceeded_time:0', `keyspace_hits:${sum((s) => s.hits)}`, `keyspace_misses:${sum((s) => s.misses)}`,
          `pubsub_channels:${sum((s) => s.pubsubChannels)}`, `pubsub_patterns:${sum((s) => s.pubsubPatterns)}`,
          'pubsubshard_channels:0', 'latest_fork_usec:0', `total_forks:${shard.persistence.backgroundJobsStarted}`, 'migrate_cached_sockets:0', 'slave_expires_tracked_keys:0',
          'active_defrag_hits:0', 'active_defrag_misses:0', 'active_defrag_key_hits:0', 'active_defrag_key_misses:0',
          'total_active_defrag_time:0', 'current_active_defrag_time:0', `tracking_total_keys:${tracking?.keys ?? 0}`,
          `tracking_total_items:${tracking?.items ?? 0}`, `tracking_total_prefixes:${tracking?.prefixes ?? 0}`, 'unexpected_error_replies:0', `total_error_replies:${sum((s) => s.errorReplies)}`,
          'dump_payload_sanitizations:0', `total_reads_processed:${sum((s) => s.reads)}`, `total_writes_processed:${sum((s) => s.writes)}`,
          'io_threaded_reads_processed:0', 'io_threaded_writes_processed:0', `shard_hops:${sum((s) => s.hopsOut)}`,
        );
        break;
      case 'replication':
        add(...replicationInfoLines(shard));
        break;
      case 'cpu':
        add(
          `used_cpu_sys:${(cpu.systemCPUTime / 1e6).toFixed(6)}`, `used_cpu_user:${(cpu.userCPUTime / 1e6).toFixed(6)}`,
          'used_cpu_sys_children:0.000000', 'used_cpu_user_children:0.000000',
          `used_cpu_sys_main_thread:${(cpu.systemCPUTime / 1e6).toFixed(6)}`, `used_cpu_user_main_thread:${(cpu.userCPUTime / 1e6).toFixed(6)}`,
        );
        break;
      case 'modules':
        add();
        break;
      case 'commandstats': {
        const merged = new Map<string, [number, number, number, number]>();
        for (const s of stats) {
          for (const [name, [calls, usec, rejected, failed]] of Object.entries(s.commandStats)) {
            const m = merged.get(name) ?? [0, 0, 0, 0];
            merged.set(name, [m[0] + calls, m[1] + usec, m[2] + rejected, m[3] + failed]);
          }
        }
        add(...[...merged].map(([name, [calls, usec, rejected, failed]]) =>
          `cmdstat_${name}:calls=${calls},usec=${Math.round(usec)},usec_per_call=${calls ? (usec / calls).toFixed(2) : '0.00'},rejected_calls=${rejected},failed_calls=${failed}`));
        break;
      }
      case 'errorstats': {
        const merged = new Map<string, number>();
        for (const s of stats) for (const [name, n] of Object.entries(s.errorStats)) merged.set(name, (merged.get(name) ?? 0) + n);
        add(...[...merged].map(([name, n]) => `errorstat_${name}:count=${n}`));
        break;
      }
      case 'latencystats':
        add();
        break;
      case 'cluster':
        add(`cluster_enabled:${config.clusterEnabled ? 1 : 0}`);
        break;
      case 'keyspace': {
        const totals = new Map<number, [number, number]>();
        for (const reply of await fromAllWorkers(session, ['@info-keyspace'], 0)) {
          for (const [start] of arrayElements(reply)!) {
            const row = arrayElements(reply, start)!;
            const db = integerReply(reply, row[0]![0])!;
            const t = totals.get(db) ?? [0, 0];
            totals.set(db, [t[0] + integerReply(reply, row[1]![0])!, t[1] + integerReply(reply, row[2]![0])!]);
          }
        }
        add(...[...totals].sort((a, b) => a[0] - b[0]).map(([db, [keys, expires]]) => `db${db}:keys=${keys},expires=${expires},avg_ttl=0`));
        break;
      }
      case 'threads':
        add(`shard_workers:${shard.workerCount}`, ...stats.map((s, w) => {
          const [first, end] = slotRange(w, shard.workerCount);
          return `worker${w}:clients=${shard.stats.clientCount(w)},ops=${s.commands},keys=${s.keys},hops_out=${s.hopsOut},hops_in=${s.hopsIn},slots=${first}-${end - 1}`;
        }));
        break;
    }
  }
  out.verbatim(lines.join('\r\n') + '\r\n');
}
