// Quality metrics and baselines shared by every benchmark: pixel fidelity (PSNR, SSIM), look
// (patch SWD, texture SWD, high-frequency ratio, stroke orientation distance, periodic-grid score),
// temporal stability (warping error) and the Reinhard colour-transfer baseline. Images are (N, C, H, W) or (C, H, W) float32 in [0, 1].
export { psnr, psnrPerImage } from './psnr.js';
export { ssim, ssimPerImage, ssimMap, SSIM_WINDOW, type SsimOptions } from './ssim.js';
export { swd, randomProjections, resampleQuantiles, type SwdOptions } from './swd.js';
export { samplePatches, type PatchOptions } from './patches.js';
export { styleSwd, textureSwd, hfRatio, textureBand, TEXTURE_SIGMA, type PatchSwdOptions } from './style.js';
export { luminance, highPass, REC601 } from '../image/luminance.js';
export { gaussianBlur, gaussianWeights, gaussianKernel2d } from '../image/gaussian.js';
export { reinhardTransfer, labStats, rgbToLab, labToRgb, RGB_TO_LMS, LOGLMS_TO_LAB, LAB_EPSILON, type LabStats, type ReinhardOptions } from './reinhard.js';
export { warpByFlow, warpError, warpErrors, occlusionMask, inFrameMask, flowToTensor, flowsFromFrames, type PairFlows, type WarpOptions, type WarpErrorOptions } from '../image/warp.js';
export { mulberry32, gaussians, sampleWithoutReplacement } from '../image/prng.js';
export { characterConsistency, CharacterPixelSets, idMask, type CharacterKey, type CharacterScore, type CharacterConsistency, type CharacterConsistencyOptions } from './character.js';
export { detailWindow, cropWindow, cropFigures, type CropWindow, type CropFigures } from './crops.js';
export { orientationDistance, orientationHistogram, circularEmd, type OrientationOptions } from './orientation.js';
export { gridScore, gridPeaks, gridContrast, type GridOptions, type GridContrast, type GridPeak } from './grid.js';
