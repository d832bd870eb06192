// Moved to src/jobs/queue.ts (the job layer); re-exported for the server's imports.
export * from '../../jobs/queue.js';
