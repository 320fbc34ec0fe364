#!/usr/bin/env node
// shoal's entry: `shoal [redis.conf] [--directive value ...]` runs the server; `shoal bench ...` the
// load generator.
import module from 'node:module';
import type { ServerConfig } from './config/server-config.ts';

async function main(args: string[]): Promise<number> {
  const mode = args[0];
  if (mode === 'bench') {
    // The load generator's CPU is part of what it measures: it loads none of the server's modules,
    // and its own come from the compile cache (bench/RESULTS.md, start-up).
    module.enableCompileCache();
    const { benchMain } = await import('../bench/cli.ts');
    return benchMain(args.slice(1));
  }
  // Start-up strips types from and compiles ~150 modules in every thread (main, shard workers, log
  // thread): the compile cache keeps both across runs, and the threads inherit its directory through
  // the environment. Measured: ready to serve in 3.5-6 s instead of 5-11 s on a loaded 2-core machine.
  const cache = module.enableCompileCache();
  if (cache.directory !== undefined) process.env.NODE_COMPILE_CACHE ??= cache.directory;
  const { ServerConfig, ConfigError } = await import('./config/server-config.ts');
  const { runServer } = await import('./server/run-server.ts');
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
    // In the log (stdout), where Redis writes it and where tools look for it.
    if (err instanceof Error && err.name === 'StartupError') console.log(`# ${err.message}`);
    else console.error('shoal: fatal:', err);
    process.exit(1);
  },
);
