// The engine's public API: tensors over libtorch, autograd, memory scopes, model files, workers.
export { Tensor, isTensor, type Device, type TensorLike } from './tensor.js';
export { type DType, DTYPES, bytesPerElement, isFloat } from './dtype.js';
export * from './factory.js';
export * as F from './functional.js';
export { tidy, keep, disposeAll, settleAll, scopeDepth, liveTensors } from './scope.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd.js';
export { setNumThreads, getNumThreads, manualSeed, getRngState, setRngState, setDeterministic, runtimeInfo, defaultDevice, computeDevice, setComputeDevice, checkDevice, memoryStats, releaseCachedMemory, cpuHasNativeBf16, type MemoryStats } from './runtime.js';
export { saveSafetensors, loadSafetensors, encodeSafetensors, decodeSafetensors, parseHeader, SafetensorsError } from './safetensors.js';
export { runInWorker, type JobContext, type JobFunction } from './worker.js';
export { disFlow, farnebackFlow, type FlowPreset, type FarnebackOptions } from './flow.js';
