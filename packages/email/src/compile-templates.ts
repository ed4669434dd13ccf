/**
 * Compiles every template's MJML into the compiled folder (DEFAULT_COMPILED_DIR), so that later
 * starts read it instead of loading MJML. The Docker images run it at build time; exits non-zero,
 * naming the template, when one does not compile.
 *
 *   pnpm --filter @herald/email run compile-templates
 */
import { TemplateRenderer } from './template-renderer';
import { DEFAULT_COMPILED_DIR } from './mjml-compiler';

try {
  await new TemplateRenderer().compileAll();
  process.stdout.write(`templates compiled into ${DEFAULT_COMPILED_DIR}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
