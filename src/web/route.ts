// Hash routes. A page that fills in a default (the first shot, the newest version or model) does
// so when its data arrives, which can be after the user has gone elsewhere: `redirect` then leaves
// the address alone, so a late answer never pulls the user back to the page they left.

/** The page an empty address shows. */
export const DEFAULT_PAGE = 'shots';

/** The current route's parts: '#/shots/sh010/3' → ['shots', 'sh010', '3']. */
export function routeOf(hash: string = location.hash): string[] {
  return hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent).filter(Boolean);
}

/** Goes to `to` only while the address is still `from` (an empty one counts as the default page);
 *  `replace` keeps the defaulted address out of the history. */
export function redirect(from: string[], to: string[], opts: { replace?: boolean } = {}): void {
  const now = routeOf();
  if (!now.length) now.push(DEFAULT_PAGE);
  if (now.join('/') !== from.join('/')) return;
  const hash = '#/' + to.map(encodeURIComponent).join('/');
  if (opts.replace) location.replace(hash);
  else location.hash = hash;
}
