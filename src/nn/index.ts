export { Module } from './module.js';
export * from './layers.js';
export { Adam, AdamW, clipGradNorm, type AdamOptions } from './optim.js';
export * as schedule from './schedule.js';
export { uniform, defaultBound } from './init.js';
