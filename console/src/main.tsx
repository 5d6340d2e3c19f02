import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';

import { Api, type Failure } from './api';
import { Auth, type Session } from './auth';
import { type Config, loadConfig } from './config';
import { NewRecord, PageHeading, RecordDetails, RecordList, type ViewProps } from './views';
import './console.css';

type Route = { view: 'list' } | { view: 'record'; id: string } | { view: 'new' };

function route(hash: string): Route {
  const record = /^#\/records\/([^/]+)$/.exec(hash);
  if (record) {
    return { view: 'record', id: decodeURIComponent(record[1]) };
  }
  return hash === '#/new' ? { view: 'new' } : { view: 'list' };
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function SignIn({ auth, reason }: { auth: Auth; reason?: string }) {
  const [failed, setFailed] = useState<string | undefined>();
  async function signIn() {
    try {
      await auth.signIn();
    } catch (error) {
      setFailed(`The identity provider cannot be reached (${(error as Error).message}). Try again in a moment.`);
    }
  }
  return (
    <>
      <PageHeading title="Sign in">Sign in</PageHeading>
      {reason && (
        <p class="notice notice-error" role="alert">
          {reason}
        </p>
      )}
      <p>Sign in with your account to post records and to read yours. Nobody else sees your records.</p>
      <button type="button" onClick={signIn}>
        Sign in
      </button>
      {failed && (
        <p class="notice notice-error" role="alert">
          {failed}
        </p>
      )}
    </>
  );
}

function App({ config, auth, initial }: { config: Config; auth: Auth; initial: { session: Session | null; reason?: string } }) {
  const [session, setSession] = useState<Session | null>(initial.session);
  const [reason, setReason] = useState<string | undefined>(initial.reason);
  const hash = useHash();
  const api = useMemo(() => new Api(config, () => session?.accessToken ?? ''), [config, session]);

  useEffect(() => {
    auth.onChange((renewed) => {
      setSession(renewed);
      if (!renewed) {
        setReason('Your sign-in has expired. Sign in again to go on.');
      }
    });
  }, [auth]);

  function unauthorized(failure: Failure) {
    void auth.signOut();
    setSession(null);
    setReason(`Your sign-in is no longer accepted (${failure.title}${failure.detail ? `: ${failure.detail}` : ''}). Sign in again.`);
  }

  async function signOut() {
    await auth.signOut();
    setSession(null);
    setReason('You are signed out. The tokens of this page are gone.');
    location.hash = '#/';
  }

  const current = route(hash);
  const props: ViewProps | null = session && { api, session, config, onUnauthorized: unauthorized };
  return (
    <>
      <header class="banner">
        <a href="#/" class="brand">
          datapipe console
        </a>
        {session && (
          <nav aria-label="Console">
            <ul>
              <li>
                <a href="#/" aria-current={current.view === 'list' ? 'page' : undefined}>
                  Your records
                </a>
              </li>
              {session.roles.has(config.roles.write) && (
                <li>
                  <a href="#/new" aria-current={current.view === 'new' ? 'page' : undefined}>
                    New record
                  </a>
                </li>
              )}
            </ul>
          </nav>
        )}
        {session && (
          <div class="account">
            <span>
              Signed in as <strong>{session.userId}</strong>
            </span>
            <button type="button" class="secondary" onClick={signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main>
        {!props && <SignIn auth={auth} reason={reason} />}
        {props && current.view === 'list' && <RecordList {...props} />}
        {props && current.view === 'record' && <RecordDetails key={current.id} {...props} id={current.id} />}
        {props && current.view === 'new' && <NewRecord {...props} />}
      </main>
    </>
  );
}

function Fatal({ message }: { message: string }) {
  return (
    <main>
      <h1>The console cannot start</h1>
      <p role="alert">{message}</p>
    </main>
  );
}

async function start(root: HTMLElement) {
  let config: Config;
  try {
    config = await loadConfig();
  } catch (error) {
    render(<Fatal message={`${(error as Error).message}. Reload the page to try again.`} />, root);
    return;
  }
  const auth = new Auth(config);
  const initial: { session: Session | null; reason?: string } = { session: null };
  if (Auth.isCallback()) {
    try {
      const signedIn = await auth.completeSignIn();
      initial.session = signedIn.session;
      history.replaceState(null, '', `/${signedIn.returnTo}`);
    } catch (error) {
      history.replaceState(null, '', '/');
      initial.reason = `The sign-in did not complete (${(error as Error).message}). Sign in again.`;
    }
  }
  root.replaceChildren();
  render(<App config={config} auth={auth} initial={initial} />, root);
}

void start(document.getElementById('app')!);
