// Stroke synthesis: the production's painted strokes re-assembled onto the look model's output by
// guided patch synthesis (see docs/METHODS.md, "Strokes").
export { synthesize, defaultLevels, defaultSearchLevel, searchSize, DEFAULT_SYNTH, type SynthOptions, type SynthResult, type Exemplars, type TemporalHint } from './synthesize.js';
export { exemplarBank, exemplarsFromFiles, clearExemplarBanks, type ExemplarBank } from './exemplar-bank.js';
export { checkNnf, upsampleNnf, advectNnf, sourcePixels, type Nnf, type SourceGrid } from './nnf.js';
export { strokeGuide, idGuideCodes, GUIDE_ENCODING, type GuidePasses, type GuideWeights } from './stroke-guide.js';
export { isIdPass, idCode, idCodeParts, idKeys, idLabels, ID_CODE_CHANNELS, ID_CODE_LENGTH, type IdKeys, type IdGuideCodes } from './id-pass.js';
export { strokeGuideAt, guideColour, isLevelGuide, type LevelGuide, type TargetGuide } from './target-guide.js';
export { strokeOptionsFor, exemplarShot, OWN_KEYFRAMES_SYNTH } from './stroke-defaults.js';
export { StrokeSequence, DEFAULT_STROKES, type StrokeOptions, type FrameLoader } from './stroke-sequence.js';
export { stylizeStill, type StillQuality } from './stylize-still.js';
