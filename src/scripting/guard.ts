// Session handlers of the scripting commands run inside the dispatcher, which does not catch: a
// fault (a bug, an engine error) becomes an error reply here instead of an exception that would
// take the worker down.
import type { SessionHandler } from '../shard/session.ts';

export function guarded(handler: SessionHandler): SessionHandler {
  return (session, argv, spec) => {
    try {
      return handler(session, argv, spec);
    } catch (err) {
      console.error(`shoal: '${argv[0]}' failed:`, err);
      session.out.error(`ERR internal error in '${argv[0]}': ${err instanceof Error ? err.message : String(err)}`.replace(/[\r\n]+/g, ' '));
      return undefined;
    }
  };
}
