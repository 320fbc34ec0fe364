#!/usr/bin/env node
// shoal's entry: `shoal [redis.conf] [--directive value ...]` runs the server; `shoal bench ...` the
// load generator.
import { ServerConfig, ConfigError } from './config/server-config.ts';
import { runServer } from './server/run-server.ts';

async function main(args: string[]): Promise<number> {
  const mode = args[0];
  if (mode === 'bench') {
    const { benchMain } = await import('../bench/cli.ts');
    return benchMain(args.slice(1));
  }
  if (mode === '-v' || mode === '--version') {
    console.log('shoal server v=7.0.15 (Redis-compatible) node=' + process.version);
    return 0;
  }
  let config: ServerConfig;
  try {
    config = ServerConfig.fromCommandLine(args);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`\n*** FATAL CONFIG FILE ERROR (shoal) ***\n${err.message}`);
      return 1;
    }
    throw err;
  }
  await runServer(config);
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error('shoal: fatal:', err);
    process.exit(1);
  },
);
