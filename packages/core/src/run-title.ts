import Handlebars from 'handlebars';

/** A title longer than this is cut: it is a headline and a subject, not a report. */
const MAX_TITLE_LENGTH = 200;

const handlebars = Handlebars.create();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

/**
 * Checks a task's title template when the task is defined, so a syntax error stops the
 * deployment at start instead of showing up on a live run. Returns an error message, or null.
 */
export function checkTitleTemplate(source: string): string | null {
  try {
    // Compiled ahead, as it will be: a syntax error or a call to a helper that is not built in fails here.
    handlebars.precompile(source, { noEscape: true, knownHelpersOnly: true });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0]! : String(error);
  }
}

function compileTitle(source: string): Handlebars.TemplateDelegate {
  let fill = compiled.get(source);
  if (!fill) {
    // Plain text: the mail templates escape it where it lands in HTML. Only the built-in helpers
    // (if, each, with): a title cannot call code.
    fill = handlebars.compile(source, { noEscape: true, knownHelpersOnly: true });
    compiled.set(source, fill);
  }
  return fill;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A run's human title: the task's `title` template filled with the run's input, then its
 * result (a result key wins over an input key of the same name). One line, at most
 * MAX_TITLE_LENGTH characters. Undefined when the task has no title, the template fails on
 * this data, or it renders empty: a title never fails a run.
 */
export function renderRunTitle(
  source: string | undefined,
  input: unknown,
  result?: unknown,
): string | undefined {
  if (!source) return undefined;
  let text: string;
  try {
    text = compileTitle(source)({ ...(isRecord(input) ? input : {}), ...(isRecord(result) ? result : {}) });
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ').trim();
  if (!line) return undefined;
  return line.length > MAX_TITLE_LENGTH ? `${line.slice(0, MAX_TITLE_LENGTH - 1).trimEnd()}…` : line;
}
