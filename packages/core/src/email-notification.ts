import type { NotificationPhase } from './constants';
import { withChanges, type NotificationRule, type TaskDefinition } from './define-task';
import { checkOnlyErrors } from './notification-filter';
import { checkRuleRecipients } from './recipients';

export const DEFAULT_NOTIFY_ON: NotificationPhase[] = ['succeeded', 'failed'];

export interface NotificationOptions {
  template: string;
  /** Handlebars; without it the template's own subject is used (it starts with the run's title). */
  subject?: string;
  /** Phases that send it. Default: succeeded, and failed after the last attempt. */
  on?: NotificationPhase[];
  /**
   * Error names, e.g. ['TimeoutError']: on failed, timed_out and retrying it is sent only when the
   * error, or an error in its `cause` chain, has one of these names. Succeeded and cancelled are not filtered.
   */
  onlyErrors?: string[];
  /**
   * E-mail only. Who gets it: addresses, 'owner' (the run's owner) and 'org-admins' (the admin users
   * of the run's organization). Default: ['owner']. Each recipient gets a mail of their own.
   */
  to?: string[];
}

/** A rule's channel: a kind ("slack"), or a kind and the name of one of its channels ("slack:alerts"). */
const CHANNEL = /^[a-z][a-z0-9]*(:[a-z0-9][a-z0-9_-]{0,62})?$/;

/** Adds a notification rule on any channel; emailNotification is the e-mail form. */
export function notify(channel: string, options: NotificationOptions) {
  if (!CHANNEL.test(channel) || channel.startsWith('email:'))
    throw new Error(
      `notify('${channel}'): expected a channel kind such as "slack", or a kind and a channel name such as "slack:alerts" (1 to 63 lowercase letters, digits, "-" or "_")`,
    );
  const onlyErrors = checkOnlyErrors(options.onlyErrors, `notify('${channel}')`);
  const rule: NotificationRule = {
    channel,
    template: options.template,
    subject: options.subject ?? '',
    on: options.on ?? DEFAULT_NOTIFY_ON,
    ...(onlyErrors ? { onlyErrors } : {}),
    ...(options.to === undefined ? {} : { to: checkRuleRecipients(options.to, `notify('${channel}')`) }),
  };
  if (rule.to && channel !== 'email') throw new Error(`notify('${channel}'): to is for e-mail rules only`);
  return <Input, Output, Name extends string>(
    task: TaskDefinition<Input, Output, Name>,
  ): TaskDefinition<Input, Output, Name> =>
    withChanges(task, { notifications: [...task.notifications, rule] });
}

/**
 * Opt-in e-mail to the run's owner (or the rule's `to`) when the run ends. The mail is never sent from the task's
 * own path: the run's final state and a pending delivery are written together, and the
 * notification worker sends it.
 */
export function emailNotification(options: NotificationOptions) {
  return notify('email', options);
}
