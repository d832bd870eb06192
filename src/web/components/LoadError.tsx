// What a page shows when a resource could not be loaded: the server's reason and a retry, rather
// than an empty list or a "Loading…" that never ends.
export function LoadError({ what, error, retry }: { what: string; error: string | null; retry?: () => void }) {
  if (!error) return null;
  return <p className="error" data-testid="load-error">could not load {what}: {error}{retry && <> <button onClick={retry}>retry</button></>}</p>;
}
