export {
  createHeraldClient,
  TERMINAL_STATUSES,
  type AcceptedChord,
  type AcceptedRun,
  type Chord,
  type HeraldClient,
  type HeraldClientOptions,
  type Run,
  type RunStatus,
  type SubmitTask,
  type TaskCall,
  type TaskName,
  type WaitOptions,
} from './client';
export {
  HeraldApiError,
  RunFailedError,
  RunWaitTimeoutError,
  type ErrorCode,
  type ErrorDetail,
  type RunDetail,
} from './errors';
export type { components, paths } from './schema';
