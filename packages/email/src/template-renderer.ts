import Handlebars from 'handlebars';
import { RendererNotReadyError, TemplateCompileError, UnknownTemplateError } from './errors';
import { toSubjectLine } from './format';
import { compileMjml, DEFAULT_COMPILED_DIR } from './mjml-compiler';
import {
  describeTemplates,
  findCatalogEntry,
  TEMPLATE_NAMES,
  type TemplateDescription,
} from './template-catalog';
import { DEFAULT_TEMPLATES_DIR, loadTemplateSource } from './template-source';
import { prepareVariables, type Branding, type TemplateVariables } from './template-variables';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface RenderOptions {
  /** A Handlebars subject that replaces the template's own (a task's `emailNotification({subject})`). */
  subjectTemplate?: string | null;
  branding?: Branding | null;
  unsubscribeUrl?: string | null;
}

export interface PreviewOptions {
  format: 'html' | 'text';
  branding?: Branding | null;
}

type Fill = Handlebars.TemplateDelegate<TemplateVariables>;

interface CompiledTemplate {
  subject: Fill;
  html: Fill;
  text: Fill;
}

/** `{{@root.x}}`, `{{#if @first}}`...: a mustache that reads a Handlebars data variable. */
const USES_DATA_VARIABLES = /\{\{[^}]*@/;
/** Distinct custom subjects kept compiled; tasks have few, so this only bounds a misuse. */
const MAX_CACHED_SUBJECTS = 200;
const SAMPLE_UNSUBSCRIBE_URL = 'https://herald.example.com/unsubscribe/sample-token';

/**
 * Renders e-mails from the files in templates/. MJML is the slow step (tens of milliseconds),
 * so compileAll() runs it once per template and compiles the resulting HTML with Handlebars;
 * each mail then only fills compiled templates (well under a millisecond).
 */
export class TemplateRenderer {
  private readonly handlebars = Handlebars.create();
  private readonly templatesDir: string;
  private readonly compiledDir: string | null;
  private readonly compiled = new Map<string, CompiledTemplate>();
  private readonly subjects = new Map<string, Fill>();
  private compiling: Promise<void> | null = null;

  /** `compiledDir`: where compiled MJML is kept between starts (see compileMjml); null: nowhere. */
  constructor(options: { templatesDir?: string; compiledDir?: string | null } = {}) {
    this.templatesDir = options.templatesDir ?? DEFAULT_TEMPLATES_DIR;
    this.compiledDir = options.compiledDir === undefined ? DEFAULT_COMPILED_DIR : options.compiledDir;
  }

  /** Compiles every template; throws TemplateCompileError naming the first broken one. Safe to call twice. */
  compileAll(): Promise<void> {
    this.compiling ??= Promise.all(TEMPLATE_NAMES.map((name) => this.compileOne(name))).then(() => undefined);
    // A failed compile can be retried (after fixing the files); the caller still sees the rejection.
    void this.compiling.catch(() => {
      this.compiling = null;
    });
    return this.compiling;
  }

  private async compileOne(name: string): Promise<void> {
    const source = await loadTemplateSource(name, this.templatesDir);
    const html = await compileMjml(source, { compiledDir: this.compiledDir });
    const template: CompiledTemplate = {
      // HTML is filled with Handlebars' escaping on: every value lands in the page as text.
      html: this.compileHandlebars(name, 'body.mjml', html, false),
      // Subject and text are not HTML: escaping would print "&amp;" to the reader. The subject is
      // made header-safe by toSubjectLine() instead.
      subject: this.compileHandlebars(name, 'subject.hbs', source.subject, true),
      text: this.compileHandlebars(name, 'text.hbs', source.text, true),
    };
    // Handlebars compiles lazily; one fill with the sample data surfaces syntax errors now, not on a live mail.
    const sample = prepareVariables(findCatalogEntry(name)?.sample ?? {}, {
      unsubscribeUrl: SAMPLE_UNSUBSCRIBE_URL,
    });
    for (const [part, fill] of Object.entries(template)) {
      try {
        fill(sample);
      } catch (error) {
        throw new TemplateCompileError(
          name,
          `${part}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    }
    this.compiled.set(name, template);
  }

  private compileHandlebars(name: string, file: string, source: string, isPlainText: boolean): Fill {
    try {
      return this.handlebars.compile<TemplateVariables>(source, {
        noEscape: isPlainText,
        // Herald's templates use only the built-in helpers (if, each): calls to them are compiled
        // in, not looked up by name on every use. A template that calls any other helper fails
        // here, at start, instead of on a live mail.
        knownHelpersOnly: true,
        // @root, @index and the like cost a data frame on every fill; only a template that
        // reads them gets one.
        data: USES_DATA_VARIABLES.test(source),
      });
    } catch (error) {
      throw new TemplateCompileError(
        name,
        `${file}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  /** Fills a compiled template. Throws UnknownTemplateError, or a Handlebars error for a bad subjectTemplate. */
  render(template: string, variables: TemplateVariables, options: RenderOptions = {}): RenderedEmail {
    if (!findCatalogEntry(template)) throw new UnknownTemplateError(template, TEMPLATE_NAMES);
    const compiled = this.compiled.get(template);
    if (!compiled) throw new RendererNotReadyError();
    const prepared = prepareVariables(variables, {
      branding: options.branding,
      unsubscribeUrl: options.unsubscribeUrl,
    });
    const subjectFill = options.subjectTemplate
      ? this.compileSubject(options.subjectTemplate)
      : compiled.subject;
    const subject = toSubjectLine(subjectFill(prepared));
    // The HTML's <title> is the subject as sent.
    prepared.email_subject = subject;
    return { subject, html: compiled.html(prepared), text: tidyText(compiled.text(prepared)) };
  }

  /** The template filled with its built-in sample data (GET /api/templates/:name/preview). */
  renderPreview(template: string, options: PreviewOptions): string {
    const entry = findCatalogEntry(template);
    if (!entry) throw new UnknownTemplateError(template, TEMPLATE_NAMES);
    const rendered = this.render(template, entry.sample, {
      branding: options.branding,
      unsubscribeUrl: SAMPLE_UNSUBSCRIBE_URL,
    });
    return options.format === 'text' ? rendered.text : rendered.html;
  }

  listTemplates(): TemplateDescription[] {
    return describeTemplates();
  }

  hasTemplate(name: string): boolean {
    return findCatalogEntry(name) !== undefined;
  }

  private compileSubject(source: string): Fill {
    let fill = this.subjects.get(source);
    if (!fill) {
      fill = this.handlebars.compile<TemplateVariables>(source, { noEscape: true });
      if (this.subjects.size >= MAX_CACHED_SUBJECTS)
        this.subjects.delete(this.subjects.keys().next().value ?? '');
      this.subjects.set(source, fill);
    }
    return fill;
  }
}

/** Optional blocks can leave runs of blank lines behind; a text mail reads better without them. */
function tidyText(text: string): string {
  return `${text
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
