// General image primitives on (N, C, H, W) tensors, below models, render, synth and metrics:
// tiled runs with feathered seams, flow warps, Gaussian blur, luminance, a seeded PRNG.
export { runTiled, planTiles, axisWeights, tileMaxAbsDiff, type TileOptions } from './tiles.js';
export { warpByFlow, warpError, warpErrors, occlusionMask, inFrameMask, flowToTensor, flowsFromFrames, flowFrame, flowToFull, motionOnGrid, type FlowFrame, type PairFlows, type WarpOptions, type WarpErrorOptions } from './warp.js';
export { dilate, erode } from './morphology.js';
export { gaussianBlur, wideGaussianBlur, gaussianWeights, gaussianKernel2d } from './gaussian.js';
export { luminance, highPass, greyBytes, REC601 } from './luminance.js';
export { mulberry32, gaussians, sampleWithoutReplacement } from './prng.js';
export { asBatch, sameShape } from './shapes.js';
