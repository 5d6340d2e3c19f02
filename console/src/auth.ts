import { InMemoryWebStorage, User, UserManager, WebStorageStateStore } from 'oidc-client-ts';

import type { Config } from './config';

/** The signed-in person as the page sees them: who, which roles, and the token the API wants. */
export interface Session {
  userId: string;
  roles: Set<string>;
  accessToken: string;
}

/**
 * Sign-in with OpenID Connect, authorization code and PKCE (oidc-client-ts). Tokens live in this page's
 * memory only: never in localStorage, sessionStorage or a cookie. Only the short-lived sign-in state (the
 * PKCE verifier) crosses the redirect in sessionStorage, and is removed when the sign-in completes. A
 * token about to expire is renewed with the refresh token; when that fails the person signs in again.
 */
export class Auth {
  private readonly manager: UserManager;

  constructor(private readonly config: Config) {
    this.manager = new UserManager({
      authority: config.issuer,
      client_id: config.clientId,
      redirect_uri: `${location.origin}/`,
      response_type: 'code',
      scope: config.scopes,
      userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
      stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
      automaticSilentRenew: true,
      loadUserInfo: false,
      monitorSession: false,
    });
  }

  /** Whether this page load is the identity provider's redirect back, with a code. */
  static isCallback(): boolean {
    const query = new URLSearchParams(location.search);
    return query.has('state') && (query.has('code') || query.has('error'));
  }

  /** Completes a sign-in; returns the session and the page the person was on before it. */
  async completeSignIn(): Promise<{ session: Session; returnTo: string }> {
    const user = await this.manager.signinRedirectCallback();
    const returnTo = typeof user.state === 'string' && user.state.startsWith('#/') ? user.state : '#/';
    return { session: this.session(user), returnTo };
  }

  /** Goes to the identity provider's sign-in page; comes back to the page the person is on. */
  async signIn(): Promise<void> {
    await this.manager.signinRedirect({ state: location.hash || '#/' });
  }

  /** Forgets the tokens. The provider's own session, if it keeps one, stays. */
  async signOut(): Promise<void> {
    await this.manager.removeUser();
  }

  /** Calls back with the renewed session, or null when the tokens have expired for good. */
  onChange(listener: (session: Session | null) => void): void {
    this.manager.events.addUserLoaded((user) => listener(this.session(user)));
    this.manager.events.addAccessTokenExpired(() => listener(null));
  }

  private session(user: User): Session {
    const claims = decodeClaims(user.access_token);
    const roles = new Set<string>();
    for (const claim of this.config.roleClaims) {
      const value = claims[claim];
      if (Array.isArray(value)) {
        value.filter((role): role is string => typeof role === 'string').forEach((role) => roles.add(role));
      }
    }
    const userId = typeof claims.sub === 'string' ? claims.sub : user.profile.sub;
    return { userId, roles, accessToken: user.access_token };
  }
}

/** The claims of a JWT, unverified: for what the page shows and offers. The API verifies the token. */
function decodeClaims(token: string): Record<string, unknown> {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return {};
  }
}
