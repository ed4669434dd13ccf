import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemplateCompileError } from './errors';

/** packages/email/templates: `<name>/{subject.hbs, body.mjml, text.hbs}` and `partials/`. */
export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

export interface TemplateSource {
  name: string;
  /** Absolute path of body.mjml; mj-include paths resolve from its folder. */
  bodyPath: string;
  /** The templates root: the only place mj-include may read partials from. */
  templatesDir: string;
  subject: string;
  mjml: string;
  text: string;
}

const TEMPLATE_NAME = /^[a-z0-9][a-z0-9-]*$/;

async function readPart(name: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new TemplateCompileError(name, `cannot read ${path.basename(file)} (${file})`, { cause: error });
  }
}

/** Reads a template's three files as they are, Handlebars and MJML uncompiled. */
export async function loadTemplateSource(
  name: string,
  templatesDir = DEFAULT_TEMPLATES_DIR,
): Promise<TemplateSource> {
  // The name becomes a path: keep it to one plain folder name.
  if (!TEMPLATE_NAME.test(name))
    throw new TemplateCompileError(name, 'template names are lower-case kebab-case');
  const dir = path.join(templatesDir, name);
  const bodyPath = path.join(dir, 'body.mjml');
  const [subject, mjml, text] = await Promise.all([
    readPart(name, path.join(dir, 'subject.hbs')),
    readPart(name, bodyPath),
    readPart(name, path.join(dir, 'text.hbs')),
  ]);
  return { name, bodyPath, templatesDir: path.resolve(templatesDir), subject: subject.trim(), mjml, text };
}
