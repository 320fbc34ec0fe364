/**
 * A start-up failure the user caused or can fix (a corrupt RDB or AOF, an unusable directory): the
 * process reports it in Redis's words and exits 1, without a stack trace.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
