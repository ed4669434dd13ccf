import { writeFile } from 'node:fs/promises';
import { serializeOpenApiDocument } from '@herald/api';
import { registry } from '@herald/tasks';
import type { Command } from '../cli/command';

/** Needs no service: the document comes from the route and task schemas alone. */
export const openapiCommand: Command = {
  path: ['openapi'],
  usage: 'herald openapi [file] [--json]',
  summary: "write the API's OpenAPI 3.1 document (with every registered task's input) to file, or to stdout",
  readsConfig: false,
  flags: {},
  positionals: { min: 0, max: 1 },
  async run(args) {
    const document = serializeOpenApiDocument(registry);
    const file = args.positionals[0];
    if (!file) return { data: JSON.parse(document) as Record<string, unknown>, text: document };
    await writeFile(file, document);
    return { data: { file, bytes: Buffer.byteLength(document) }, text: `Wrote ${file}` };
  },
};
