export { startWorkerApp, type WorkerAppOptions } from './start-worker';
