// Moved to src/terminal/train-reporter.ts (below cli and demo, which both report training); re-exported.
export * from '../terminal/train-reporter.js';
