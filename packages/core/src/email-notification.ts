import type { NotificationPhase } from './constants';
import { withChanges, type NotificationRule, type TaskDefinition } from './define-task';

export const DEFAULT_NOTIFY_ON: NotificationPhase[] = ['succeeded', 'failed'];

export interface NotificationOptions {
  template: string;
  /** Handlebars; without it the template's own subject is used (it starts with the run's title). */
  subject?: string;
  /** Phases that send it. Default: succeeded, and failed after the last attempt. */
  on?: NotificationPhase[];
}

/** Adds a notification rule on any channel; emailNotification is the e-mail form. */
export function notify(channel: string, options: NotificationOptions) {
  const rule: NotificationRule = {
    channel,
    template: options.template,
    subject: options.subject ?? '',
    on: options.on ?? DEFAULT_NOTIFY_ON,
  };
  return <Input, Output, Name extends string>(
    task: TaskDefinition<Input, Output, Name>,
  ): TaskDefinition<Input, Output, Name> =>
    withChanges(task, { notifications: [...task.notifications, rule] });
}

/**
 * Opt-in e-mail to the run's owner when the run ends. The mail is never sent from the task's
 * own path: the run's final state and a pending delivery are written together, and the
 * notification worker sends it.
 */
export function emailNotification(options: NotificationOptions) {
  return notify('email', options);
}
