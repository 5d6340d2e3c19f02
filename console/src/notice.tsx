import { useEffect, useState } from 'preact/hooks';

import type { Failure } from './api';
import type { Config } from './config';

/**
 * Seconds left of a failure's Retry-After, counted down from when the failure arrived; 0 when over or
 * when there is none. Each failure counts down anew, even with the same Retry-After as the last one.
 */
export function useCountdown(failure: Failure | undefined): number {
  const [left, setLeft] = useState(failure?.retryAfterSeconds ?? 0);
  useEffect(() => {
    const seconds = failure?.retryAfterSeconds;
    if (!seconds) {
      setLeft(0);
      return undefined;
    }
    const until = Date.now() + seconds * 1000;
    setLeft(seconds);
    const timer = setInterval(() => {
      const remaining = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      setLeft(remaining);
      if (remaining === 0) {
        clearInterval(timer);
      }
    }, 250);
    return () => clearInterval(timer);
  }, [failure]);
  return left;
}

/**
 * A failed call, said so that a person knows what happened and what to do: every problem+json answer
 * with its title and detail, a refusal with the role that is missing, a throttled or unavailable service
 * with the time until a retry makes sense, and no answer at all as a network problem.
 * (401 never gets here: the page asks the person to sign in again.)
 */
export function FailureNotice({ failure, config, secondsLeft }: { failure: Failure; config: Config; secondsLeft: number }) {
  const what = failure.operation === 'post' ? 'posting records' : 'reading records';
  const role = failure.operation === 'post' ? config.roles.write : config.roles.read;
  let heading: string;
  let advice: string;
  switch (failure.status) {
    case undefined:
      heading = failure.title;
      advice = failure.detail ?? '';
      break;
    case 403:
      heading = 'Not allowed';
      advice = `Your account lacks the role ${role}, which ${what} needs. Ask whoever manages your account for it.`;
      break;
    case 429:
      heading = 'Too many requests';
      advice = secondsLeft > 0 ? `You can try again in ${secondsLeft} s.` : 'You can try again now.';
      break;
    case 503:
      heading = 'The service is unavailable';
      advice = secondsLeft > 0 ? `Retry later: in ${secondsLeft} s at the earliest.` : 'Retry later.';
      break;
    default:
      heading = failure.status >= 500 ? 'The service failed' : 'The request was refused';
      advice = failure.status >= 500 ? 'Retry later.' : 'Correct the request and try again.';
  }
  const counting = failure.status === 429 || failure.status === 503;
  return (
    <div class="notice notice-error">
      {/* Announced once; a countdown inside a live region would be announced every second. */}
      <div role="alert">
        <h2>{heading}</h2>
        {!counting && advice && <p class="advice">{advice}</p>}
        {failure.status !== undefined && (
          <p class="problem">
            The service answered {failure.status}: <strong>{failure.title}</strong>
            {failure.detail ? ` (${failure.detail})` : ''}
          </p>
        )}
      </div>
      {counting && <p class="advice countdown">{advice}</p>}
    </div>
  );
}
