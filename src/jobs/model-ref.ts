// Model resolution lives with the render (src/render/model-ref.ts), below the job layer; this
// re-export keeps the job definitions', benchmarks' and tests' imports working.
export * from '../render/model-ref.js';
