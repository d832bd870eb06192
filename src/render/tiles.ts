// Tiles moved to src/image/tiles.ts (a general image primitive, below models and render); this
// re-export keeps the benchmarks' and tests' imports working.
export * from '../image/tiles.js';
