import type { TaskDefinition } from './define-task';
import { describeIssues, TaskInputError, UnknownTaskError } from './errors';

/** The one explicit list of tasks a deployment knows. */
export class TaskRegistry<Tasks extends readonly TaskDefinition[] = readonly TaskDefinition[]> {
  private readonly byName = new Map<string, TaskDefinition>();

  constructor(readonly tasks: Tasks) {
    for (const task of tasks) {
      if (this.byName.has(task.name)) throw new Error(`Task "${task.name}" is registered twice`);
      this.byName.set(task.name, task);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): TaskDefinition {
    const task = this.byName.get(name);
    if (!task) throw new UnknownTaskError(name);
    return task;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Validates input against the task's schema; throws TaskInputError naming each field. */
  parseInput(name: string, input: unknown): unknown {
    const task = this.get(name);
    const parsed = task.input.safeParse(input);
    if (!parsed.success) throw new TaskInputError(name, describeIssues(parsed.error));
    return parsed.data;
  }
}

export type TaskName<R> = R extends TaskRegistry<infer Tasks> ? Tasks[number]['name'] : string;
export type TaskInput<R, N> =
  R extends TaskRegistry<infer Tasks>
    ? Extract<Tasks[number], { name: N }> extends TaskDefinition<infer I> ? I : never
    : unknown;
