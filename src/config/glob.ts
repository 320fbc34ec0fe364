// CONFIG GET patterns use Redis's glob matching (stringmatchlen): the one matcher of the project,
// in src/commands/glob.ts, checked against redis-server's KEYS.
export { globMatch } from '../commands/glob.ts';

/** Whether a CONFIG GET argument is a pattern rather than a plain directive name. */
export function hasGlobChars(name: string): boolean {
  return /[[*?]/.test(name);
}
