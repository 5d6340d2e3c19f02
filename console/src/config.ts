/** What the web service tells the page at /config.json (web's ConsoleSettings): nothing is compiled in. */
export interface Config {
  /** The OpenID Connect provider to sign in with. */
  issuer: string;
  clientId: string;
  scopes: string;
  /** Where POST /data goes: "/data" behind the gateway, the generator's URL where it has another origin. */
  postUrl: string;
  pageSize: number;
  /** The token claims the services read roles from, in order (datapipe.jwt.role-claims). */
  roleClaims: string[];
  roles: { read: string; write: string };
}

export async function loadConfig(): Promise<Config> {
  const response = await fetch('/config.json', { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    throw new Error(`the console's settings could not be loaded (HTTP ${response.status})`);
  }
  return (await response.json()) as Config;
}
