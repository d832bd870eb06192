// Every sub-command registers itself here; keep one file per command (or command group).
import type { Command } from 'commander';
import { registerInit } from './init.js';
import { registerAdd } from './add.js';
import { registerPair } from './pair.js';
import { registerShot } from './shot.js';
import { registerDataset } from './dataset.js';
import { registerLs } from './ls.js';
import { registerShow } from './show.js';
import { registerSet } from './set.js';
import { registerLineage } from './lineage.js';
import { registerVerify } from './verify.js';
import { registerGc } from './gc.js';
import { registerConfig } from './config.js';
import { registerSample } from './sample.js';
import { registerTrain } from './train.js';
import { registerStylize } from './stylize.js';
import { registerUpscale } from './upscale.js';
import { registerRender } from './render.js';
import { registerCompare } from './compare.js';
import { registerServe } from './serve.js';
import { registerWorker } from './worker.js';
import { registerInfo } from './info.js';

export function registerAll(program: Command): void {
  // Production workspace (src/store): assets, rights, shots, datasets, lineage.
  registerInit(program);
  registerAdd(program);
  registerPair(program);
  registerShot(program);
  registerDataset(program);
  registerLs(program);
  registerShow(program);
  registerSet(program);
  registerLineage(program);
  registerVerify(program);
  registerInfo(program);
  registerGc(program);
  registerConfig(program);
  registerSample(program);
  // Models (src/models, src/jobs): training and stylizing.
  registerTrain(program);
  registerStylize(program);
  registerUpscale(program); // also adds `train upscale` (after registerTrain)
  registerRender(program);
  registerCompare(program);
  // Dailies (src/server): the review server and web app.
  registerServe(program);
  // The farm (src/farm): workers taking jobs from Redis (BullMQ), its state, cancel.
  registerWorker(program);
}
