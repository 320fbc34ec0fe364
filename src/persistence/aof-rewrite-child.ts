// Redis rewrites the AOF in a forked child process, and operators (and Redis's own tests, through
// `pgrep -P <server pid>`) find that child by its parent and kill it to abort the rewrite. shoal
// rewrites in its own threads, so while a rewrite runs a placeholder process stands for it: killing
// that process aborts the rewrite (the new base is discarded, the rewrite counts as failed), as
// killing Redis's child does. The placeholder does nothing but wait; it is ended when the rewrite
// ends, and it exits on its own if the server dies (tail --pid), so none is ever left behind.
import { spawn, type ChildProcess } from 'node:child_process';

export class RewriteChild {
  private readonly child: ChildProcess | null;
  private ended = false;
  /** The placeholder died and the rewrite did not end it: the rewrite must abort. */
  killed = false;
  /** The signal that killed it ('SIGKILL' for kill -9), for the log. */
  signal: string | null = null;

  constructor() {
    let child: ChildProcess | null = null;
    try {
      // Through bash (sh may not close descriptors above 9), which first closes every descriptor it inherited beyond stdio: sockets handed to
      // the workers are not close-on-exec, and a placeholder holding a client's socket keeps that
      // connection open after this server exits (a client waiting for SHUTDOWN's EOF hangs).
      const closeInherited = 'for f in /proc/$$/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done 2>/dev/null';
      child = spawn('/bin/bash', ['-c', `${closeInherited}; exec tail --pid=${process.pid} -f /dev/null`], { stdio: 'ignore' });
      child.on('error', () => {}); // no tail on this system: the rewrite just has no placeholder
      child.on('exit', (_code, signal) => {
        if (this.ended) return;
        this.killed = true;
        this.signal = signal;
      });
      child.unref();
    } catch {
      child = null;
    }
    this.child = child;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The rewrite is over: the placeholder goes away. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.child !== null && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
