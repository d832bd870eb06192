// Moved to src/jobs/render-chunks.ts (the job layer); re-exported for the benchmarks and tests.
export * from '../jobs/render-chunks.js';
