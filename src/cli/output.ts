// How commands talk to the user: human text on stdout, or one JSON document with --json.
// Errors go to stderr as one line (or a JSON object with --json); stack traces only with ATELIER_DEBUG.

export function printResult(json: boolean, value: unknown, human: () => string): void {
  if (json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else {
    const text = human();
    if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }
}

export function reportError(err: unknown, json: boolean): void {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  if (json) process.stderr.write(JSON.stringify({ error: message, ...(typeof code === 'string' ? { code } : {}) }) + '\n');
  else process.stderr.write(`atelier: ${message}\n`);
  if (process.env.ATELIER_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
}
