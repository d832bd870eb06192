// Moved to src/jobs/kinds.ts (the job layer); re-exported for the server's imports.
export * from '../../jobs/kinds.js';
