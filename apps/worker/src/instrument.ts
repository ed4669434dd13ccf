// Loaded before the rest of the worker (see main.ts): the http and pg instrumentations patch
// modules as they load, and miss any module loaded before them.
import { loadConfigOrExit } from '@herald/config';
import { startTelemetry } from '@herald/core/telemetry';

export const config = loadConfigOrExit();
export const telemetry = startTelemetry({ serviceName: 'herald-worker', config });
