import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Response } from 'express';
import Handlebars from 'handlebars';

/** apps/api/views, from src/console or dist/console alike. */
export const VIEWS_DIR = fileURLToPath(new URL('../../views', import.meta.url));
export const PUBLIC_DIR = fileURLToPath(new URL('../../public', import.meta.url));

export interface PageNav {
  organization: string;
  csrf: string;
  canSwitch: boolean;
  /** Admins may change the organization's channels and branding. */
  isAdmin: boolean;
}

/** The console's Handlebars views, compiled once at start. Handlebars escapes every value. */
export class ConsoleViews {
  private readonly engine = Handlebars.create();
  private readonly views = new Map<string, Handlebars.TemplateDelegate>();
  private readonly layout: Handlebars.TemplateDelegate;

  constructor(dir = VIEWS_DIR) {
    for (const file of readdirSync(path.join(dir, 'partials'))) {
      this.engine.registerPartial(
        path.basename(file, '.hbs'),
        readFileSync(path.join(dir, 'partials', file), 'utf8'),
      );
    }
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.hbs'))) {
      this.views.set(
        path.basename(file, '.hbs'),
        this.engine.compile(readFileSync(path.join(dir, file), 'utf8'), { strict: false }),
      );
    }
    const layout = this.views.get('layout');
    if (!layout) throw new Error(`No layout.hbs in ${dir}`);
    this.layout = layout;
  }

  /** Sends a whole page: the view inside the layout. */
  send(
    res: Response,
    view: string,
    data: Record<string, unknown> & { title: string; nav?: PageNav },
    status = 200,
  ): void {
    const template = this.views.get(view);
    if (!template) throw new Error(`No console view ${view}`);
    const body = template(data);
    res
      .status(status)
      .set('cache-control', 'no-store')
      .type('text/html')
      .send(this.layout({ title: data.title, nav: data.nav, body }));
  }

  /** A page that says what happened, optionally with a sign-in form or a link onwards. */
  message(
    res: Response,
    status: number,
    page: {
      title: string;
      message: string;
      offerSignIn?: boolean;
      linkHref?: string;
      linkText?: string;
      nav?: PageNav;
    },
  ): void {
    this.send(res, 'message', page, status);
  }
}
