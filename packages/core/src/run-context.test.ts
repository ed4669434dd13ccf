import { describe, expect, it } from 'vitest';
import { RunCancelledError, RunTimeoutError } from './errors';
import { createRunControl } from './run-context';

describe('createRunControl', () => {
  it('a cancel rejects `aborted` and fires a signal read before it', async () => {
    const control = createRunControl(undefined);
    const signal = control.signal;
    control.cancel();
    await expect(control.aborted).rejects.toBeInstanceOf(RunCancelledError);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(control.reason);
    control.dispose();
  });

  it('a signal first read after the timeout is already aborted, with the timeout as its reason', async () => {
    const control = createRunControl(20);
    await expect(control.aborted).rejects.toBeInstanceOf(RunTimeoutError);
    expect(control.signal.aborted).toBe(true);
    expect(control.signal.reason).toBeInstanceOf(RunTimeoutError);
    control.cancel();
    // The first reason stays.
    expect(control.reason).toBeInstanceOf(RunTimeoutError);
  });

  it('dispose stops the timeout', async () => {
    const control = createRunControl(20);
    control.dispose();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(control.reason).toBeUndefined();
    expect(control.signal.aborted).toBe(false);
  });
});
