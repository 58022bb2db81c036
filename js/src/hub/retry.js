// Bounded retries with exponential backoff, for the transient failures http.js and deadline.js
// mark `retryable` (dropped connections, stalls, 429, 5xx). A download attempt resumes where the
// previous one stopped, so retrying costs only the bytes that never arrived. When the server said
// how long to wait (Retry-After, already capped by http.js), that wait replaces the backoff.
import { throwIfAborted } from './http.js';

const MAX_DELAY_MS = 8000;

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or `maxRetries` retries
 * have failed.
 * @template T
 * @param {() => Promise<T>} attempt
 * @param {{maxRetries: number, retryDelayMs: number, signal?: AbortSignal}} opts
 * @returns {Promise<T>}
 */
export async function withRetries(attempt, { maxRetries, retryDelayMs, signal }) {
  for (let failures = 0; ; failures++) {
    try {
      return await attempt();
    } catch (err) {
      if (err?.retryable !== true || failures >= maxRetries) throw err;
      await sleep(err.retryAfterMs ?? Math.min(retryDelayMs * 2 ** failures, MAX_DELAY_MS), signal);
    }
  }
}

/** Waits `ms`, or throws AbortError as soon as `signal` fires. */
export function sleep(ms, signal) {
  throwIfAborted(signal);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      try { throwIfAborted(signal); } catch (err) { reject(err); }
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
