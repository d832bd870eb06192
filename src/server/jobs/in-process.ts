// Moved to src/jobs/in-process-queue.ts (the job layer); re-exported for the server's imports.
export * from '../../jobs/in-process-queue.js';
