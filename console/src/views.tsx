import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import { type Accepted, type Api, ApiError, type Failure, type RecordView } from './api';
import type { Session } from './auth';
import type { Config } from './config';
import { FailureNotice, useCountdown } from './notice';
import { checkPayload, MAX_PAYLOAD_BYTES, utf8Length } from './payload';

/** What every view gets: the API, who is signed in, the settings, and where to report a 401. */
export interface ViewProps {
  api: Api;
  session: Session;
  config: Config;
  /** The token is no longer accepted: the page asks the person to sign in again. */
  onUnauthorized: (failure: Failure) => void;
}

/** A page's heading, focused when the page opens so that keyboard and screen reader users start there. */
export function PageHeading({ title, children }: { title: string; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · datapipe console`;
    heading.current?.focus();
  }, [title]);
  return (
    <h1 tabIndex={-1} ref={heading}>
      {children}
    </h1>
  );
}

/** Runs an API call; a 401 goes to the page, any other failure is returned for the view to show. */
async function attempt<T>(props: ViewProps, call: () => Promise<T>): Promise<{ value?: T; failure?: Failure }> {
  try {
    return { value: await call() };
  } catch (error) {
    if (!(error instanceof ApiError)) {
      throw error;
    }
    if (error.failure.status === 401) {
      props.onUnauthorized(error.failure);
    }
    return { failure: error.failure };
  }
}

function Time({ iso }: { iso: string | null }) {
  if (!iso) {
    return <span>not yet</span>;
  }
  return <time dateTime={iso}>{new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })}</time>;
}

function preview(payload: unknown): string {
  const text = JSON.stringify(payload);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** A failure, with the countdown of its Retry-After. */
function Problem({ failure, config }: { failure: Failure; config: Config }) {
  const left = useCountdown(failure);
  return <FailureNotice failure={failure} config={config} secondsLeft={left} />;
}

/** #/ : the person's records, newest first, a page at a time. */
export function RecordList(props: ViewProps) {
  const { api, config, session } = props;
  const [items, setItems] = useState<RecordView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [loading, setLoading] = useState(false);
  const [failure, setFailure] = useState<Failure | undefined>();

  async function load(from: string | null) {
    setLoading(true);
    const { value, failure } = await attempt(props, () => api.list(from));
    setLoading(false);
    setFailure(failure);
    if (value) {
      setItems((shown) => (from === null ? value.items : [...shown, ...value.items]));
      setCursor(value.nextCursor);
      setLoaded(true);
    }
  }

  useEffect(() => {
    void load(null);
  }, []);

  return (
    <>
      <PageHeading title="Your records">Your records</PageHeading>
      {loaded && items.length === 0 && (
        <p>
          You have no records yet.
          {session.roles.has(config.roles.write) && (
            <>
              {' '}
              <a href="#/new">Post your first record</a>.
            </>
          )}
        </p>
      )}
      {items.length > 0 && (
        <ol class="records" aria-label="Records, newest first">
          {items.map((record) => (
            <li key={record.id} class="record">
              <a href={`#/records/${record.id}`} class="record-link">
                <Time iso={record.receivedAt} />
                <code class="record-id">{record.id}</code>
              </a>
              <code class="preview">{preview(record.payload)}</code>
            </li>
          ))}
        </ol>
      )}
      <p role="status" class="count">
        {loaded ? `${items.length} ${items.length === 1 ? 'record' : 'records'} shown${cursor ? '; there are more' : ''}.` : loading ? 'Loading…' : ''}
      </p>
      {cursor && (
        <button type="button" onClick={() => load(cursor)} disabled={loading}>
          {loading ? 'Loading…' : 'Load more'}
        </button>
      )}
      {failure && <Problem failure={failure} config={config} />}
    </>
  );
}

/** #/records/{id} : one record, if it is the person's. */
export function RecordDetails(props: ViewProps & { id: string }) {
  const { api, config, id } = props;
  const [record, setRecord] = useState<RecordView | null | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();

  useEffect(() => {
    void attempt(props, () => api.get(id)).then(({ value, failure }) => {
      setFailure(failure);
      setRecord(value);
    });
  }, [id]);

  if (record === null) {
    return (
      <>
        <PageHeading title="Record not found">Record not found</PageHeading>
        <p>
          None of your records has the id <code>{id}</code>.
        </p>
        <p>
          <a href="#/">Back to your records</a>
        </p>
      </>
    );
  }
  return (
    <>
      <PageHeading title="Record">Record</PageHeading>
      {record && (
        <dl class="details">
          <dt>Id</dt>
          <dd>
            <code>{record.id}</code>
          </dd>
          <dt>Received</dt>
          <dd>
            <Time iso={record.receivedAt} />
          </dd>
          <dt>Stored</dt>
          <dd>
            <Time iso={record.persistedAt} />
          </dd>
          <dt>Content</dt>
          <dd>
            <pre class="payload" tabIndex={0} aria-label="Record content">
              {JSON.stringify(record.payload, null, 2)}
            </pre>
          </dd>
        </dl>
      )}
      {failure && <Problem failure={failure} config={config} />}
      <p>
        <a href="#/">Back to your records</a>
      </p>
    </>
  );
}

type Progress =
  | { phase: 'idle' }
  | { phase: 'sending' }
  | { phase: 'accepted'; accepted: Accepted }
  | { phase: 'stored'; accepted: Accepted; seconds: number }
  | { phase: 'unconfirmed'; accepted: Accepted };

const EXAMPLE = '{\n  "informationOne": "aaa23",\n  "informationTwo": "bbb24"\n}';
/** How long to look for a posted record before saying it is accepted but not visible yet. */
const STORED_DEADLINE_MS = 60_000;

/** #/new : post a record, then follow it from accepted to stored. */
export function NewRecord(props: ViewProps) {
  const { api, config, session } = props;
  const [text, setText] = useState(EXAMPLE);
  const [invalid, setInvalid] = useState<string | undefined>();
  const [progress, setProgress] = useState<Progress>({ phase: 'idle' });
  const [failure, setFailure] = useState<Failure | undefined>();
  const retryIn = useCountdown(failure);
  // Set before the first await: a second click in the same instant finds it set and does nothing.
  const inFlight = useRef(false);
  const editor = useRef<HTMLTextAreaElement>(null);
  const alive = useRef(true);
  useEffect(() => () => {
    alive.current = false;
  }, []);

  if (!session.roles.has(config.roles.write)) {
    return (
      <>
        <PageHeading title="New record">New record</PageHeading>
        <p class="notice">
          Posting records needs the role <code>{config.roles.write}</code>, which your account does not have. You can
          still read <a href="#/">your records</a>.
        </p>
      </>
    );
  }

  async function submit(event: Event) {
    event.preventDefault();
    if (inFlight.current || retryIn > 0) {
      return;
    }
    const check = checkPayload(text);
    if (!check.ok) {
      setInvalid(check.message);
      editor.current?.focus();
      return;
    }
    inFlight.current = true;
    setInvalid(undefined);
    setFailure(undefined);
    setProgress({ phase: 'sending' });
    const started = performance.now();
    // One key per submission: a retry of this submission is answered the same and stored once.
    const { value: accepted, failure } = await attempt(props, () => api.post(check.body, crypto.randomUUID()));
    if (!accepted) {
      inFlight.current = false;
      setFailure(failure);
      setProgress({ phase: 'idle' });
      return;
    }
    setProgress({ phase: 'accepted', accepted });
    let wait = 100;
    while (alive.current && performance.now() - started < STORED_DEADLINE_MS) {
      const { value: record, failure } = await attempt(props, () => api.get(accepted.id));
      if (record) {
        setProgress({ phase: 'stored', accepted, seconds: (performance.now() - started) / 1000 });
        break;
      }
      if (failure && failure.status !== 429 && failure.status !== 503 && failure.status !== undefined) {
        setFailure(failure);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 2000);
    }
    if (alive.current && performance.now() - started >= STORED_DEADLINE_MS) {
      setProgress({ phase: 'unconfirmed', accepted });
    }
    inFlight.current = false;
  }

  const bytes = utf8Length(text);
  const busy = progress.phase === 'sending' || progress.phase === 'accepted';
  return (
    <>
      <PageHeading title="New record">New record</PageHeading>
      <form onSubmit={submit} noValidate>
        <label for="payload">Record, one JSON object</label>
        <p id="payload-hint" class="hint">
          At most {MAX_PAYLOAD_BYTES.toLocaleString('en')} bytes; this one is {bytes.toLocaleString('en')}.
        </p>
        <textarea
          id="payload"
          ref={editor}
          value={text}
          onInput={(event) => setText((event.target as HTMLTextAreaElement).value)}
          aria-describedby={invalid ? 'payload-hint payload-error' : 'payload-hint'}
          aria-invalid={invalid ? 'true' : undefined}
          spellcheck={false}
          rows={10}
        />
        {invalid && (
          <p id="payload-error" class="field-error" role="alert">
            {invalid}
          </p>
        )}
        <button type="submit" disabled={busy || retryIn > 0}>
          {progress.phase === 'sending' ? 'Posting…' : 'Post record'}
        </button>
      </form>
      <div role="status" class="progress">
        {progress.phase === 'sending' && <p>Posting…</p>}
        {(progress.phase === 'accepted' || progress.phase === 'stored' || progress.phase === 'unconfirmed') && (
          <ol class="steps">
            <li class="step-done">
              <strong>Accepted</strong>: record <code>{progress.accepted.id}</code>, received{' '}
              <Time iso={progress.accepted.receivedAt} />.
            </li>
            {progress.phase === 'accepted' && <li>Waiting for it to be stored…</li>}
            {progress.phase === 'stored' && (
              <li class="step-done">
                <strong>Stored</strong> {progress.seconds.toFixed(2)} s after you posted it.{' '}
                <a href={`#/records/${progress.accepted.id}`}>See the record</a>
              </li>
            )}
            {progress.phase === 'unconfirmed' && (
              <li>Not visible yet after {STORED_DEADLINE_MS / 1000} s; it is accepted and will appear in your records.</li>
            )}
          </ol>
        )}
      </div>
      {failure && <FailureNotice failure={failure} config={config} secondsLeft={retryIn} />}
    </>
  );
}
