// Ctrl-C during long work: the first asks the job to stop cleanly (it checkpoints where it can),
// the second quits at once.
export function cancelOnSigint(): { cancelled: () => boolean; dispose(): void } {
  let cancelled = false;
  const onInt = () => {
    if (cancelled) process.exit(130);
    cancelled = true;
    process.stderr.write('\nstopping after this step; press Ctrl-C again to quit at once\n');
  };
  process.on('SIGINT', onInt);
  return { cancelled: () => cancelled, dispose: () => process.off('SIGINT', onInt) };
}
