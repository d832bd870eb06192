import { useState } from 'react';
import { api } from '../api';

export function LoginPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="login">
      <h1>Atelier dailies</h1>
      <p>Paste the access token you were given (<code>atelier serve --create-token NAME --role ROLE</code>).</p>
      <form onSubmit={(e) => { e.preventDefault(); api('/api/session', { body: { token: token.trim() } }).then(onSignedIn, (err: Error) => setError(err.message)); }}>
        <input type="password" placeholder="atl_…" value={token} onChange={(e) => setToken(e.target.value)} data-testid="token" autoFocus />
        <button type="submit" data-testid="sign-in">Sign in</button>
      </form>
      {error && <p className="error">{error}</p>}
    </div>
  );
}
