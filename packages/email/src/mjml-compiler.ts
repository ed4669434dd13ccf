import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemplateCompileError } from './errors';
import type { TemplateSource } from './template-source';

/**
 * Compiled templates are kept here between starts (the usual node_modules/.cache convention);
 * the Docker images fill it at build time, so a worker never loads MJML (~60 MB) at all.
 */
export const DEFAULT_COMPILED_DIR = fileURLToPath(
  new URL('../node_modules/.cache/herald-templates/', import.meta.url),
);

const MUSTACHE = /\{\{[^{}]*\}\}/g;
const INCLUDE = /<mj-include\s+path="([^"]+)"/g;

/** How often each `{{...}}` occurs. */
function countMustaches(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  // MJML drops comments (keepComments: false), so mustaches inside comments do not count.
  for (const token of text.replace(/<!--[\s\S]*?-->/g, '').match(MUSTACHE) ?? [])
    counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

/** The files a template's body includes, and the files they include, in order. */
async function readIncludes(mjml: string, fromFile: string, depth = 0): Promise<string[]> {
  const paths = [...mjml.matchAll(INCLUDE)].map((match) =>
    path.resolve(path.dirname(fromFile), match[1] ?? ''),
  );
  const files = await Promise.all(paths.map((file) => readFile(file, 'utf8').catch(() => '')));
  if (depth >= 5) return files;
  const nested = await Promise.all(
    files.map((text, index) => readIncludes(text, paths[index] ?? fromFile, depth + 1)),
  );
  return files.flatMap((text, index) => [text, ...(nested[index] ?? [])]);
}

const mjmlVersion = (): string =>
  (createRequire(import.meta.url)('mjml/package.json') as { version: string }).version;

/** Names what MJML would compile: its version, the body and every included file. */
function compiledKey(source: TemplateSource, includes: string[]): string {
  const hash = createHash('sha256').update(mjmlVersion());
  for (const text of [source.mjml, ...includes]) hash.update('\0').update(text);
  return `${source.name}-${hash.digest('hex').slice(0, 32)}.html`;
}

export interface CompileOptions {
  /** Where compiled HTML is kept between starts; null compiles every time. */
  compiledDir?: string | null;
}

/**
 * A template's MJML (Handlebars still inside) compiled to HTML: from the compiled folder when
 * this very source was compiled before, else by MJML, and then kept there. Only output that
 * passed the checks below is kept, so a kept file is as good as a fresh compile; a folder that
 * cannot be written (a read-only image) only costs the compile.
 */
export async function compileMjml(
  source: TemplateSource,
  { compiledDir = DEFAULT_COMPILED_DIR }: CompileOptions = {},
): Promise<string> {
  const includes = await readIncludes(source.mjml, source.bodyPath);
  const file = compiledDir === null ? null : path.join(compiledDir, compiledKey(source, includes));
  if (file) {
    const kept = await readFile(file, 'utf8').catch(() => null);
    if (kept !== null) return kept;
  }
  const html = await runMjml(source, includes);
  if (file) {
    // Written aside and renamed: another process starting at the same time never reads half a file.
    const partial = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await mkdir(path.dirname(file), { recursive: true })
      .then(() => writeFile(partial, html))
      .then(() => rename(partial, file))
      .catch(() => undefined);
  }
  return html;
}

/**
 * Strict validation: a template with MJML errors never renders half-broken mails.
 * Afterwards every `{{...}}` of the source and its partials must still be in the HTML,
 * character for character: MJML silently drops text that sits between tags (a bare
 * `{{#if}}` around a section passes strict validation and vanishes), which would break the mail.
 */
async function runMjml(source: TemplateSource, includes: string[]): Promise<string> {
  // Loaded only when a template needs compiling: MJML is most of a worker's memory otherwise.
  const { default: mjml2html } = await import('mjml');
  let html: string;
  try {
    const result = await mjml2html(source.mjml, {
      validationLevel: 'strict',
      filePath: source.bodyPath,
      includePath: source.templatesDir,
      ignoreIncludes: false,
      keepComments: false,
      // System fonts only: no request to a font CDN when the mail is opened.
      fonts: {},
    });
    html = result.html;
  } catch (error) {
    const message =
      error instanceof Error ? error.message.replace(/^ValidationError:\s*/, '').trim() : String(error);
    throw new TemplateCompileError(source.name, `body.mjml is not valid MJML: ${message}`, { cause: error });
  }
  // Counted, not just looked up: a dropped `{{#if x}}` would otherwise hide behind another one.
  // MJML may repeat a value (the title goes to <title> and a meta tag), it must never print one fewer.
  const expected = countMustaches([source.mjml, ...includes].join('\n'));
  const kept = countMustaches(html);
  const lost = [...expected]
    .filter(([token, count]) => (kept.get(token) ?? 0) < count)
    .map(([token]) => token);
  if (lost.length > 0) {
    throw new TemplateCompileError(
      source.name,
      `MJML did not keep ${lost.join(', ')} intact; put Handlebars in text content or string attributes only`,
    );
  }
  return html;
}
