// The two facts about the host that the hub client branches on. Kept here so the rest of the
// code never touches `process` directly and stays loadable in browsers.

/** True under Node.js (not a browser, even one with a `process` shim from a bundler). */
export const isNode = typeof globalThis.process?.versions?.node === 'string';

/**
 * The environment variables the hub client reads. Browsers have none, so they get `{}` and every
 * option falls back to its built-in default.
 * @returns {Record<string, string | undefined>}
 */
export function readEnv() {
  return isNode ? globalThis.process.env : {};
}
