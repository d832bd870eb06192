// Moved to src/terminal/progress.ts (below cli and demo, which both draw progress); re-exported.
export * from '../terminal/progress.js';
