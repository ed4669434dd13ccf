import { z } from 'zod';
import { channelConfigSchemas, type ChannelDescription, type ChannelKind } from '@herald/channels';

/** A config field as the console's form shows it. Its value is a secret: the input starts empty. */
export interface ChannelFormField {
  name: string;
  label: string;
  isRequired: boolean;
  /** "url" for a URL, "password" for any other secret. */
  type: 'url' | 'password';
}

/** Longer than any webhook URL or key: a bigger value is a mistake, refused naming its field. */
const MAX_FIELD_LENGTH = 2048;

const KIND_LABELS: Partial<Record<string, string>> = {
  slack: 'Slack',
  pagerduty: 'PagerDuty',
  teams: 'Microsoft Teams',
  webhook: 'Webhook',
};

/** The words of a camelCase name, "URL" spelt so: webhookUrl is "Webhook URL". */
function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/\burl\b/g, 'URL');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const kindLabel = (kind: string) => KIND_LABELS[kind] ?? humanize(kind);

function unwrapped(field: z.ZodType): z.ZodType {
  let inner = field;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) inner = inner.unwrap() as z.ZodType;
  return inner;
}

/**
 * The form inputs for a kind, read from its config schema, so a kind added to channelConfigSchemas
 * gets a form without a change here. Null when a field is not a string (say, a map of headers):
 * such a kind is set up through the API.
 */
export function channelFormFields(kind: ChannelKind): ChannelFormField[] | null {
  const fields: ChannelFormField[] = [];
  for (const [name, field] of Object.entries(channelConfigSchemas[kind].shape) as [string, z.ZodType][]) {
    // z.url() and the other string formats are strings too, though not ZodString instances.
    if (unwrapped(field).def.type !== 'string') return null;
    fields.push({
      name,
      label: field.description ?? humanize(name),
      isRequired: !field.isOptional(),
      type: name === 'url' || name.endsWith('Url') ? 'url' : 'password',
    });
  }
  return fields;
}

/**
 * The posted form as the kind's config: its fields only, trimmed, an empty one left out (so an
 * optional field falls back to its default). What is not a string stays as posted, for the
 * schema to refuse naming the field. A too-long value is refused here.
 */
export function formToConfig(
  fields: ChannelFormField[],
  body: Record<string, unknown>,
): { config: Record<string, unknown> } | { field: string; message: string } {
  const config: Record<string, unknown> = {};
  for (const { name } of fields) {
    const value = body[name];
    if (typeof value === 'string') {
      if (value.length > MAX_FIELD_LENGTH)
        return { field: name, message: `at most ${MAX_FIELD_LENGTH} characters` };
      if (value.trim()) config[name] = value.trim();
    } else if (value !== undefined) config[name] = value;
  }
  return { config };
}

/** What a channel's description says besides its kind and name: "Webhook host: hooks.slack.com". */
export function describedFacts(description: ChannelDescription): { label: string; value: string }[] {
  return Object.entries(description)
    .filter(([key]) => !['kind', 'name', 'configured'].includes(key))
    .map(([key, value]) => ({ label: humanize(key), value: value === null ? '(unknown)' : String(value) }));
}
