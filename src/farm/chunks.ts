// Moved to src/jobs/chunks.ts (the job layer); re-exported for the benchmarks and tests.
export * from '../jobs/chunks.js';
