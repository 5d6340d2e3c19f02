import type { Config } from './config';

export interface RecordView {
  id: string;
  payload: unknown;
  receivedAt: string;
  persistedAt: string | null;
}

export interface RecordPage {
  items: RecordView[];
  nextCursor: string | null;
}

export interface Accepted {
  id: string;
  userId: string;
  receivedAt: string;
}

/** Which call failed: what a refusal means (the role it lacks) depends on it. */
export type Operation = 'read' | 'post';

/** A call that did not succeed: a problem+json answer (RFC 9457), or no answer at all. */
export interface Failure {
  operation: Operation;
  /** The HTTP status; absent when the service could not be reached. */
  status?: number;
  title: string;
  detail?: string;
  /** From Retry-After, on 429 and 503. */
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.title);
  }
}

/** The API, with the signed-in person's token: GET /data from this origin, POST /data to config.postUrl. */
export class Api {
  constructor(private readonly config: Config, private readonly token: () => string) {}

  async list(cursor: string | null): Promise<RecordPage> {
    const query = new URLSearchParams({ limit: String(this.config.pageSize) });
    if (cursor) {
      query.set('cursor', cursor);
    }
    const response = await this.send('read', `/data?${query}`, { method: 'GET' });
    return (await response.json()) as RecordPage;
  }

  /** One of the person's records, or null when there is none with this id among theirs. */
  async get(id: string): Promise<RecordView | null> {
    const response = await this.send('read', `/data/${encodeURIComponent(id)}`, { method: 'GET' }, [404]);
    return response.status === 404 ? null : ((await response.json()) as RecordView);
  }

  /** Posts a record; a retry with the same key is answered the same and stored once. */
  async post(body: string, idempotencyKey: string): Promise<Accepted> {
    const response = await this.send('post', this.config.postUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
      body,
    });
    return (await response.json()) as Accepted;
  }

  private async send(operation: Operation, url: string, init: RequestInit, expected: number[] = []): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${this.token()}`);
    headers.set('Accept', 'application/json');
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers, cache: 'no-store' });
    } catch {
      throw new ApiError({
        operation,
        title: navigator.onLine ? 'The service cannot be reached' : 'You are offline',
        detail: navigator.onLine
          ? 'No answer came back: the network or the service is down. Nothing was changed by this attempt; try again.'
          : 'This device has no network connection. Nothing was sent; try again once you are back online.',
      });
    }
    if (response.ok || expected.includes(response.status)) {
      return response;
    }
    throw new ApiError(await failure(operation, response));
  }
}

async function failure(operation: Operation, response: Response): Promise<Failure> {
  let problem: { title?: unknown; detail?: unknown } = {};
  if ((response.headers.get('Content-Type') ?? '').includes('json')) {
    try {
      problem = (await response.json()) as typeof problem;
    } catch {
      // not the problem+json it claims: the status says enough
    }
  }
  return {
    operation,
    status: response.status,
    title: typeof problem.title === 'string' ? problem.title : `HTTP ${response.status}`,
    detail: typeof problem.detail === 'string' ? problem.detail : undefined,
    retryAfterSeconds: retryAfter(response.headers.get('Retry-After')),
  };
}

/** Retry-After as seconds from now: delay-seconds or an HTTP date (RFC 9110 section 10.2.3). */
function retryAfter(value: string | null): number | undefined {
  if (value === null) {
    return undefined;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
