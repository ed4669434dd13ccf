import { readFile } from 'node:fs/promises';
import path from 'node:path';
import mjml2html from 'mjml';
import { TemplateCompileError } from './errors';
import type { TemplateSource } from './template-source';

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

async function readIncludes(source: TemplateSource): Promise<string[]> {
  const paths = [...source.mjml.matchAll(INCLUDE)].map((match) =>
    path.resolve(path.dirname(source.bodyPath), match[1] ?? ''),
  );
  return Promise.all(paths.map((file) => readFile(file, 'utf8').catch(() => '')));
}

/**
 * Compiles a template's MJML (Handlebars still inside) to HTML, once, at start.
 * Strict validation: a template with MJML errors never renders half-broken mails.
 * Afterwards every `{{...}}` of the source and its partials must still be in the HTML,
 * character for character: MJML silently drops text that sits between tags (a bare
 * `{{#if}}` around a section passes strict validation and vanishes), which would break the mail.
 */
export async function compileMjml(source: TemplateSource): Promise<string> {
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
  const expected = countMustaches([source.mjml, ...(await readIncludes(source))].join('\n'));
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
