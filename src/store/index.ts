// The production workspace's programmatic API (used by the trainer, the renderer and the CLI).
//
//   const prod = await openProduction('/path/to/production');   // or undefined: cwd and parents
//   const ds = await prod.dataset('look-v1');                   // immutable snapshot
//   for (const p of ds.pairs) p.painted.path, p.rough.path, p.passes.depth?.path
//   const id = await prod.registerModelVersion({ kind: 'look', datasetId: ds.id, config, seed, files: { 'weights.bin': path }, metrics });
//   await prod.recordRenderedFrame({ path: out, modelVersion: id, inputHashes: { rough: f.rough.hash }, params });
//   const shot = await prod.shot('sq010_sh020'); shot.frames[i].rough?.path
//   await prod.close();
export { openProduction, initProduction, findProductionDir, storeRoot, Production, MARKER, type Settings, type InitOptions, type InitReport, type ProductionConfig } from './production.js';
export { ASSET_KINDS, parseKind, type AssetKind } from './schema.js';
export { type DatabaseConfig, type DialectName, DatabaseUnavailableError, describePostgres, redactUrl, isConnectionError } from './db.js';
export { ContentStore, sha256, sha256File } from './content-store.js';
export { getAsset, getAssets, listAssets, findAssetIds, resolveAssetRef, resolveAssetRefs, updateAssets, type Asset, type Rights, type AssetFilter, type AssetPatch } from './assets.js';
export { ingestFiles, IngestSession, summarize, type IngestMeta, type IngestOptions, type IngestResult } from './ingest.js';
export { validateImage, RejectedFileError, SUPPORTED_FORMATS, type ImageInfo } from './image-validate.js';
export { phashFromGrey32, hammingDistance } from './phash.js';
export { linkPair, getPairs, findPairIds, pairSizeProblems, type Pair } from './pairs.js';
export { addShot, addShotPass, addShotKeyframes, removeShotKeyframes, getShot, listShots, RejectedFramesError, type Shot, type ShotFrame, type FrameAsset, type ShotReport } from './shots.js';
export { parseSequencePattern, findSequenceFrames, framePath, parseFrameRange, parseFrameSpan, parseFrameList } from './sequence-pattern.js';
export { createDataset, getDataset, listDatasets, snapshotAssets, assertTrainable, UnclearedAssetsError, type DatasetSnapshot, type DatasetSelection, type Manifest } from './datasets.js';
export { registerModelVersion, recordRenderedFrame, getModelVersion, modelShot, listModelVersions, modelVersionsOfRun, getRenderedFrame, latestRenderAt, listRenderedFrames, type ModelVersionInput, type ModelVersion, type RenderedFrameInput, type RenderedFrame } from './models.js';
export { createShotVersion, insertShotVersion, highestVersionNumber, getShotVersionRecord, listShotVersionRecords, findShotVersion, dropEmptyShotVersion, versionOfFrame, type ShotVersionRecord, type NewShotVersion } from './shot-versions.js';
export { lineage, formatLineage, type Lineage } from './lineage.js';
export { verifyProduction, collectGarbage, type VerifyReport, type GcReport } from './maintenance.js';
export { codeVersion } from './code-version.js';
