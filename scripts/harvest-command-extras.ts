// Writes scripts/data/commands-7.0-extras.json: what redis-server 7.0.15 reports for COMMAND INFO
// and COMMAND DOCS that commands-7.0.json does not say (tips, groups, argument spellings, flags; never prose)
// or says differently (argument name/token case, the "sorted-set" group, ...). Only differences
// are stored, so the JSON stays the primary source. Run by hand when the JSON changes:
//   node scripts/harvest-command-extras.ts        (needs redis-server 7.0.x on PATH)

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { ArgumentDoc, CommandData } from '../src/commands/table-types.ts';
import {
  type CommandExtras,
  deriveCommand,
  EXTRAS_JSON_PATH,
  fullName,
  readCommandsJson,
  servedCommands,
} from './command-json-model.ts';

type Resp = string | number | null | Resp[] | { [k: string]: Resp };

// Minimal RESP3 reader: enough for COMMAND INFO / DOCS replies.
function parse(buf: Buffer, pos: number): [Resp, number] {
  const type = String.fromCharCode(buf[pos]);
  const eol = buf.indexOf('\r\n', pos);
  const line = buf.toString('utf8', pos + 1, eol);
  let p = eol + 2;
  switch (type) {
    case '+':
    case '-':
      return [line, p];
    case ':':
      return [Number(line), p];
    case '_':
      return [null, p];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, p];
      return [buf.toString('utf8', p, p + n), p + n + 2];
    }
    case '*':
    case '~': {
      const out: Resp[] = [];
      for (let i = 0; i < Number(line); i++) {
        let v: Resp;
        [v, p] = parse(buf, p);
        out.push(v);
      }
      return [out, p];
    }
    case '%': {
      const out: { [k: string]: Resp } = {};
      for (let i = 0; i < Number(line); i++) {
        let k: Resp;
        let v: Resp;
        [k, p] = parse(buf, p);
        [v, p] = parse(buf, p);
        out[String(k)] = v;
      }
      return [out, p];
    }
    default:
      throw new Error(`unexpected RESP type ${type}`);
  }
}

function encode(args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function queryServer(port: number): Promise<{ docs: Record<string, any>; info: any[] }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1');
        const chunks: Buffer[] = [];
        sock.on('error', reject);
        sock.on('data', (d) => chunks.push(d));
        sock.on('end', () => {
          const buf = Buffer.concat(chunks);
          let p = parse(buf, 0)[1];
          let docs: Resp;
          let info: Resp;
          [docs, p] = parse(buf, p);
          [info, p] = parse(buf, p);
          resolve({ docs: docs as Record<string, any>, info: info as any[] });
        });
        sock.write(encode(['HELLO', '3']) + encode(['COMMAND', 'DOCS']) + encode(['COMMAND', 'INFO']) + encode(['QUIT']));
      });
    } catch (err) {
      if (attempt > 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function serverArgs(args: any[]): ArgumentDoc[] {
  return args.map((a) => {
    const out: ArgumentDoc = { name: a.name, type: a.type };
    if (a.key_spec_index !== undefined) out.keySpecIndex = a.key_spec_index;
    if (a.token !== undefined) out.token = a.token;
    if (a.since !== undefined) out.since = a.since;
    if (a.flags !== undefined) out.flags = a.flags;
    if (a.deprecated_since !== undefined) out.deprecatedSince = a.deprecated_since;
    if (a.arguments !== undefined) out.arguments = serverArgs(a.arguments);
    return out;
  });
}

async function main(): Promise<void> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], {
    stdio: 'ignore',
  });
  let reply: { docs: Record<string, any>; info: any[] };
  try {
    reply = await queryServer(port);
  } finally {
    server.kill();
  }

  const docsByName = new Map<string, any>();
  const infoByName = new Map<string, any[]>();
  for (const [name, doc] of Object.entries(reply.docs)) {
    docsByName.set(name, doc);
    for (const [sub, subDoc] of Object.entries((doc.subcommands ?? {}) as Record<string, any>)) docsByName.set(sub, subDoc);
  }
  const walkInfo = (entry: any[]) => {
    infoByName.set(entry[0], entry);
    for (const sub of entry[9]) walkInfo(sub);
  };
  for (const entry of reply.info) walkInfo(entry);

  const extrasAll: Record<string, CommandExtras> = {};
  for (const cmd of servedCommands(readCommandsJson())) {
    const name = fullName(cmd);
    const doc = docsByName.get(name);
    const info = infoByName.get(name);
    if (!doc || !info) throw new Error(`redis-server does not know ${name}`);
    const derived: CommandData = deriveCommand(cmd, undefined);
    // Facts only (tips, groups, argument tokens, flags): Redis's prose (summaries, history, notes)
    // stays out of the project.
    const extras: CommandExtras = {};
    if (info[7].length > 0) extras.tips = info[7];
    if (doc.group !== derived.doc.group) extras.group = doc.group;
    const args = serverArgs(doc.arguments ?? []);
    if (!isDeepStrictEqual(args, derived.doc.arguments ?? [])) extras.arguments = args;
    if (!isDeepStrictEqual(info[2], derived.flags)) extras.flags = info[2];
    const acl = (info[6] as string[]).map((c) => c.slice(1));
    if (!isDeepStrictEqual(acl, derived.aclCategories)) extras.aclCategories = acl;
    const range: [number, number, number] = [info[3], info[4], info[5]];
    if (!isDeepStrictEqual(range, [derived.firstKey, derived.lastKey, derived.keyStep])) extras.legacyRange = range;
    if (info[1] !== derived.arity) throw new Error(`${name}: arity ${info[1]} differs from the JSON`);
    const derivedDocFields = [derived.doc.since, derived.doc.complexity, derived.doc.deprecatedSince, derived.doc.replacedBy];
    if (!isDeepStrictEqual(derivedDocFields, [doc.since, doc.complexity, doc.deprecated_since, doc.replaced_by]))
      throw new Error(`${name}: doc fields differ from the JSON`);
    if (Object.keys(extras).length > 0) extrasAll[name] = extras;
  }
  mkdirSync(new URL('.', EXTRAS_JSON_PATH), { recursive: true });
  writeFileSync(EXTRAS_JSON_PATH, JSON.stringify(extrasAll, null, 1) + '\n');
  const overridden = Object.entries(extrasAll)
    .filter(([, e]) => e.flags || e.aclCategories || e.legacyRange)
    .map(([n, e]) => `${n}: ${JSON.stringify({ flags: e.flags, acl: e.aclCategories, range: e.legacyRange })}`);
  console.log(`wrote extras for ${Object.keys(extrasAll).length} commands`);
  if (overridden.length > 0) console.log(`INFO fields the derivation got wrong:\n${overridden.join('\n')}`);
}

await main();
