import type { ReplyWriter } from '../resp/reply-writer.ts';

/** The reply of `<COMMAND> HELP`: an array of status lines, headed and closed the way Redis's are shaped. */
export function helpReply(out: ReplyWriter, command: string, lines: readonly string[]): void {
  out.array(lines.length + 2);
  out.simple(`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const line of lines) out.simple(line);
  out.simple('HELP');
}
