// Entry point of the `atelier` command: one sub-command per file in ./commands.
import { Command, CommanderError } from 'commander';
import { registerAll } from './commands/index.js';
import { reportError } from './output.js';
import { isCancellation } from '../util/cancelled.js';
import { setComputeDevice } from '../engine/index.js';

const program = new Command();
program
  .name('atelier')
  .description('Train a production\'s own look models on its own data and render rough animation into its final look.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerAll(program);
// --device (store-common's DEVICE_OPTION), for whichever command takes it: checked before it runs.
program.hook('preAction', (_program, action) => {
  const d = action.opts().device as unknown;
  if (typeof d === 'string') setComputeDevice(d);
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  reportError(err, process.argv.includes('--json'));
  // Stopped by Ctrl-C (checkpointed where it can be): 130, as a shell reports a SIGINT.
  process.exit(isCancellation(err) ? 130 : 1);
}
