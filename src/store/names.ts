// Names that become folder and file names (renders/<shot>/, runs/look-<dataset>-…, a pass's files):
// letters, digits, _ . - and short enough for any file system once prefixed and suffixed. A
// 250-character shot name was accepted, then every render failed with ENAMETOOLONG.

/** The longest shot, pass or dataset name (the dailies API's limit too). */
export const NAME_MAX = 128;

/** The rule as a JSON-schema pattern (the server's request schemas). */
export const NAME_PATTERN = `^[A-Za-z0-9][A-Za-z0-9_.-]{0,${NAME_MAX - 1}}$`;

const NAME = new RegExp(NAME_PATTERN);

/** Throws naming what the name is for, unless it follows the rule. */
export function checkName(what: string, name: string, example?: string): void {
  if (name.length > NAME_MAX) throw new Error(`${what} name "${name.slice(0, 24)}…" is ${name.length} characters; at most ${NAME_MAX}`);
  if (!NAME.test(name)) throw new Error(`${what} name "${name}" must be letters, digits, _ . or -${example ? ` (e.g. ${example})` : ''}`);
}
