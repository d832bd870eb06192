// The production upscaler: a small super-resolution network trained from scratch on the
// production's own full-resolution art (see train.ts), run tiled on frames of any size.
export * from './config.js';
export { Upscaler, pixelShuffle, pixelUnshuffle, bicubicUpscale, upscaleImage, checkUpscaleSize, MIN_UPSCALE_SIDE, upscaleTileOptions, saveUpscaleModel, loadUpscaleModel, checkUpscalerWorkingSpace, DEFAULT_ENSEMBLE, type UpscaleEnsemble, type UpscaleModel } from './net.js';
export { downscale, heldOutImageIds, loadUpscaleSet, disposeUpscaleSet, sampleBatch, type ImageFile, type UpscaleExample, type UpscaleSet } from './data.js';
export { trainUpscale, scoreUpscaler, shavedPsnr, type TrainUpscaleInput, type TrainUpscaleResult, type UpscaleScore, type UpscaleTrainEvent } from './train.js';
export { keysKernel, keysUpscale, antialiasedDownscale } from './cubic.js';
