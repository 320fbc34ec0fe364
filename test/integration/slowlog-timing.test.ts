// SLOWLOG timing of pipelined commands (dispatcher.ts untimedFast): with slowlog-log-slower-than at
// 1 ms or more, FAST commands share one clock reading, and a stall before them must not be blamed on
// them; below 1 ms every command is timed and logged on its own. INFO commandstats usec comes from
// the same readings, whichever way a command ran.
import { beforeEach, describe, expect, it } from 'vitest';
import { sharedShoal } from '../helpers/shared-shoal.ts';
import { encodeCommand, RawClient } from './support.ts';

// One worker: every command of the pipeline runs where it is read.
const shared = sharedShoal(['--threads', '1']);

beforeEach(async () => {
  await shared.client.del('slow:set');
  await shared.client.slowlog('RESET');
});

/** Sends the commands as one pipelined write on a connection of its own and reads every reply. */
async function pipeline(commands: string[][]): Promise<void> {
  const c = await RawClient.connect(shared.server.port);
  try {
    c.write(Buffer.concat(commands.map((argv) => encodeCommand(argv))));
    for (let i = 0; i < commands.length; i++) await c.read();
  } finally {
    c.close();
  }
}

/** The entries of the pipeline's commands (the test's own SLOWLOG and CONFIG calls left out), oldest last. */
async function slowlogCommands(): Promise<Array<{ argv: string[]; micros: number }>> {
  const entries = (await shared.client.slowlog('GET', 100)) as Array<[number, number, number, string[]]>;
  return entries.map((entry) => ({ argv: entry[3], micros: entry[2] })).filter((e) => !['slowlog', 'config'].includes(e.argv[0]!.toLowerCase()));
}

describe('SLOWLOG of pipelined FAST commands', () => {
  it('logs every FAST command with the threshold at 0', async () => {
    await shared.client.config('SET', 'slowlog-log-slower-than', '0');
    try {
      await pipeline([['SADD', 'slow:set', 'a'], ['SADD', 'slow:set', 'b'], ['SISMEMBER', 'slow:set', 'a']]);
      const logged = (await slowlogCommands()).map((e) => e.argv.join(' ')).filter((s) => s.includes('slow:set'));
      expect(logged.sort()).toEqual(['SADD slow:set a', 'SADD slow:set b', 'SISMEMBER slow:set a']);
    } finally {
      await shared.client.config('SET', 'slowlog-log-slower-than', '10000');
    }
  });

  it('blames a stall on the command that stalled, not on the FAST commands around it, at a 1 ms threshold', async () => {
    await shared.client.config('SET', 'slowlog-log-slower-than', '1000');
    try {
      await pipeline([
        ['SADD', 'slow:set', 'a'], ['DEBUG', 'SLEEP', '0.03'], ['SADD', 'slow:set', 'b'], ['SCARD', 'slow:set'],
        ['DEBUG', 'SLEEP', '0.03'], ['SISMEMBER', 'slow:set', 'b'],
      ]);
      const logged = await slowlogCommands();
      const sleeps = logged.filter((e) => e.argv[0] === 'DEBUG');
      expect(sleeps.map((e) => e.argv.join(' '))).toEqual(['DEBUG SLEEP 0.03', 'DEBUG SLEEP 0.03']);
      for (const entry of sleeps) expect(entry.micros).toBeGreaterThanOrEqual(20_000);
      // A FAST command may be logged if the machine itself stalled it past 1 ms, but never with the
      // sleep's time: that would be a stall blamed on the wrong command.
      for (const entry of logged.filter((e) => e.argv[0] !== 'DEBUG')) expect(entry.micros).toBeLessThan(20_000);
    } finally {
      await shared.client.config('SET', 'slowlog-log-slower-than', '10000');
    }
  });

  it('logs nothing with SLOWLOG off', async () => {
    await shared.client.config('SET', 'slowlog-log-slower-than', '-1');
    try {
      await pipeline([['SADD', 'slow:set', 'a'], ['DEBUG', 'SLEEP', '0.01'], ['SADD', 'slow:set', 'b']]);
      expect(await slowlogCommands()).toEqual([]);
    } finally {
      await shared.client.config('SET', 'slowlog-log-slower-than', '10000');
    }
  });
});

/** usec and calls of one command in INFO commandstats. */
async function commandStat(name: string): Promise<{ calls: number; usec: number }> {
  const info = String(await shared.client.info('commandstats'));
  const match = new RegExp(`^cmdstat_${name}:calls=(\\d+),usec=(\\d+),`, 'm').exec(info);
  if (match === null) throw new Error(`no cmdstat_${name} in ${info}`);
  return { calls: Number(match[1]), usec: Number(match[2]) };
}

describe('INFO commandstats usec', () => {
  it('adds up the time of FAST commands sharing a reading, of commands from request bytes, and of the others', async () => {
    await shared.client.config('RESETSTAT');
    const commands: string[][] = [];
    for (let i = 0; i < 200; i++) commands.push(['SADD', 'slow:set', `m${i}`], ['SET', `slow:k${i}`, 'v'], ['GET', `slow:k${i}`]);
    commands.push(['DEBUG', 'SLEEP', '0.02']);
    await pipeline(commands);
    const sadd = await commandStat('sadd');
    const set = await commandStat('set');
    const get = await commandStat('get');
    const debug = await commandStat('debug');
    expect([sadd.calls, set.calls, get.calls, debug.calls]).toEqual([200, 200, 200, 1]);
    for (const stat of [sadd, set, get]) expect(stat.usec).toBeGreaterThan(0);
    expect(debug.usec).toBeGreaterThanOrEqual(15_000);
  });
});
