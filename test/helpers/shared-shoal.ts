// One shoal server and one ioredis client shared by the tests of a file: started before the first
// test, stopped after the last.
import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from './shoal-server.ts';

export interface SharedShoal {
  readonly server: RunningServer;
  readonly client: Redis;
}

export function sharedShoal(args: string[]): SharedShoal {
  let server: RunningServer | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startShoal(args);
    client = new Redis({ port: server.port, lazyConnect: true });
    await client.connect();
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return {
    get server() {
      return server!;
    },
    get client() {
      return client!;
    },
  };
}
