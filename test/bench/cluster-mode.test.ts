import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../bench/options.ts';
import { runBenchmark } from '../../bench/run-benchmark.ts';
import { command, rawCommand, startRedis, type RedisProcess } from './redis-process.ts';

// --cluster-mode against a real two-node Redis Cluster: requests are routed by key slot from
// CLUSTER SLOTS, and when half of the slots move to the other node during the run, the bench
// follows the MOVED redirections (and counts them) without a single error.

let nodeA: RedisProcess;
let nodeB: RedisProcess;
const configFiles = ['a', 'b'].map((node) => `/tmp/nodes-bench-${node}-${process.pid}-${Date.now()}.conf`);

async function nodeId(port: number): Promise<string> {
  return (await command(port, 'CLUSTER', 'MYID')).split('\r\n')[1];
}

/** Polls `condition` until it holds; on a saturated machine the cluster bus can take over 10 s to agree. */
async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Sets the owner of slots [from, to] on one node, pipelined. */
async function setSlots(port: number, from: number, to: number, owner: string): Promise<void> {
  let request = '';
  for (let slot = from; slot <= to; slot++) request += `*5\r\n$7\r\nCLUSTER\r\n$7\r\nSETSLOT\r\n$${String(slot).length}\r\n${slot}\r\n$4\r\nNODE\r\n$40\r\n${owner}\r\n`;
  const replies = await rawCommand(port, request, (reply) => reply.split('\r\n').length - 1 === to - from + 1);
  expect(replies.split('\r\n').filter((r) => r !== '' && r !== '+OK')).toEqual([]);
}

beforeAll(async () => {
  const clusterArgs = ['--cluster-enabled', 'yes', '--cluster-node-timeout', '5000'];
  [nodeA, nodeB] = await Promise.all([
    startRedis([...clusterArgs, '--cluster-config-file', configFiles[0]]),
    startRedis([...clusterArgs, '--cluster-config-file', configFiles[1]]),
  ]);
  await command(nodeA.port, 'CLUSTER', 'ADDSLOTSRANGE', '0', '8191');
  await command(nodeB.port, 'CLUSTER', 'ADDSLOTSRANGE', '8192', '16383');
  await command(nodeA.port, 'CLUSTER', 'MEET', '127.0.0.1', String(nodeB.port));
  await waitFor(async () => {
    const [a, b] = await Promise.all([command(nodeA.port, 'CLUSTER', 'INFO'), command(nodeB.port, 'CLUSTER', 'INFO')]);
    return a.includes('cluster_state:ok') && b.includes('cluster_state:ok') && a.includes('cluster_known_nodes:2') && b.includes('cluster_known_nodes:2');
  }, 'the cluster to form');
}, 60_000);

afterAll(async () => {
  await Promise.all([nodeA?.stop(), nodeB?.stop()]);
  await Promise.all(configFiles.map((file) => rm(file, { force: true })));
});

function calls(info: string, name: string): number {
  return Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

function rejectedCalls(info: string, name: string): number {
  return Number(new RegExp(`cmdstat_${name}:[^\\r]*rejected_calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

describe('--cluster-mode', () => {
  it('routes by slot and follows MOVED when slots change owner mid-run', async () => {
    await Promise.all([command(nodeA.port, 'CONFIG', 'RESETSTAT'), command(nodeB.port, 'CONFIG', 'RESETSTAT')]);
    // GETs only: no keys are stored, so slots can be reassigned while the run goes on.
    const options = parseBenchOptions(['-p', String(nodeA.port), '--cluster-mode', '-c', '4', '--pipeline', '4', '--test-time', '2', '--command', 'GET __key__', '--key-maximum', '100000', '-q']);
    const run = runBenchmark(options, []);
    // Once traffic reaches node A, hand its slots 0..4095 to node B (B first, so it accepts them).
    await waitFor(async () => calls(await command(nodeA.port, 'INFO', 'commandstats'), 'get') > 1000, 'traffic on node A');
    const [idB] = await Promise.all([nodeId(nodeB.port)]);
    await setSlots(nodeB.port, 0, 4095, idB);
    await setSlots(nodeA.port, 0, 4095, idB);
    const report = await run;
    const figures = report.targets[0].overall;
    expect(figures.total.errors).toBe(0);
    expect(figures.errorsByKind).toEqual({});
    expect(figures.redirectsByKind.MOVED).toBeGreaterThan(0);
    // After the first MOVED for a slot the bench's map is updated: at most one redirection per
    // moved slot and client.
    expect(figures.redirectsByKind.MOVED).toBeLessThanOrEqual(4096 * 4);
    const [infoA, infoB] = await Promise.all([command(nodeA.port, 'INFO', 'commandstats'), command(nodeB.port, 'INFO', 'commandstats')]);
    // Every recorded GET was executed by the node that owned its slot; each redirected attempt was
    // rejected by node A (Redis counts those as rejected_calls, not calls).
    expect(calls(infoA, 'get') + calls(infoB, 'get')).toBe(figures.total.ops);
    expect(rejectedCalls(infoA, 'get') + rejectedCalls(infoB, 'get')).toBe(figures.redirectsByKind.MOVED);
    expect(calls(infoB, 'get')).toBeGreaterThan(calls(infoA, 'get') / 4);
  }, 60_000);
});
