// A command the bench sends, written like a redis-cli line: "SET __key__ __data__". __key__ is
// replaced by a generated key, __data__ by a value of --data-size bytes. Arguments may be quoted
// with "double quotes" to include spaces.

export type TemplateArgument = { kind: 'literal'; text: string } | { kind: 'key' } | { kind: 'data' };

export interface CommandTemplate {
  /** Name in reports: the command word, upper-cased ("SET"); made unique by the caller. */
  name: string;
  arguments: TemplateArgument[];
  /** Relative weight among the templates of a run. */
  ratio: number;
}

export const KEY_PLACEHOLDER = '__key__';
export const DATA_PLACEHOLDER = '__data__';

export function parseCommandTemplate(line: string, ratio = 1): CommandTemplate {
  const words = splitCommandLine(line);
  if (words.length === 0) throw new Error(`--command "${line}" is empty`);
  const args: TemplateArgument[] = words.map((word): TemplateArgument => {
    if (word === KEY_PLACEHOLDER) return { kind: 'key' };
    if (word === DATA_PLACEHOLDER) return { kind: 'data' };
    return { kind: 'literal', text: word };
  });
  return { name: words[0].toUpperCase(), arguments: args, ratio };
}

function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && line[i] === ' ') i++;
    if (i >= line.length) break;
    let word = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        word += line[i++];
      }
      if (line[i] !== '"') throw new Error(`unterminated quote in --command "${line}"`);
      i++;
    } else {
      while (i < line.length && line[i] !== ' ') word += line[i++];
    }
    words.push(word);
  }
  return words;
}

/** The SET:GET workload of --ratio, the default when no --command is given. */
export function setGetTemplates(setRatio: number, getRatio: number): CommandTemplate[] {
  const templates: CommandTemplate[] = [];
  if (setRatio > 0) templates.push(parseCommandTemplate(`SET ${KEY_PLACEHOLDER} ${DATA_PLACEHOLDER}`, setRatio));
  if (getRatio > 0) templates.push(parseCommandTemplate(`GET ${KEY_PLACEHOLDER}`, getRatio));
  if (templates.length === 0) throw new Error('--ratio must give SET or GET a non-zero share');
  return templates;
}

/** Gives each template a distinct report name: a second SET template becomes "SET#2". */
export function uniqueTemplateNames(templates: CommandTemplate[]): CommandTemplate[] {
  const seen = new Map<string, number>();
  return templates.map((template) => {
    const count = (seen.get(template.name) ?? 0) + 1;
    seen.set(template.name, count);
    return count === 1 ? template : { ...template, name: `${template.name}#${count}` };
  });
}

/**
 * The order in which a client issues templates: each template index appears `ratio` times,
 * interleaved (1:3 gives 0,1,1,1 spread as evenly as integer weights allow), and clients cycle it.
 * A fixed schedule keeps the mix exact over any whole number of cycles.
 */
export function buildCommandSchedule(templates: CommandTemplate[]): Uint16Array {
  const ratios = templates.map((t) => t.ratio);
  for (const ratio of ratios) {
    if (!Number.isInteger(ratio) || ratio < 0) throw new Error(`command ratios must be non-negative integers, got ${ratio}`);
  }
  const total = ratios.reduce((a, b) => a + b, 0);
  if (total === 0) throw new Error('at least one command needs a non-zero ratio');
  if (total > 65535) throw new Error('the sum of command ratios must stay below 65536');
  // Smooth weighted round-robin: every step, each template gains its weight and the one with the
  // most credit is issued and pays the total.
  const credit = new Array<number>(ratios.length).fill(0);
  const schedule = new Uint16Array(total);
  for (let step = 0; step < total; step++) {
    let best = 0;
    for (let i = 0; i < ratios.length; i++) {
      credit[i] += ratios[i];
      if (credit[i] > credit[best]) best = i;
    }
    credit[best] -= total;
    schedule[step] = best;
  }
  return schedule;
}
