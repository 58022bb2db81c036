// Hub tests must not see the developer's own Hub settings, and must never reach the real Hub.
const HUB_ENV = ['HF_ENDPOINT', 'HF_TOKEN', 'HF_HUB_OFFLINE', 'GMATRIX_EMBED_CACHE', 'HF_HUB_DOWNLOAD_TIMEOUT', 'HF_HUB_ETAG_TIMEOUT'];

/** Clears the Hub variables (HF_ENDPOINT points at a closed local port); returns a restore function. */
export function isolateHubEnv() {
  const saved = Object.fromEntries(HUB_ENV.map((name) => [name, process.env[name]]));
  for (const name of HUB_ENV) delete process.env[name];
  // Safety net: a call that forgot `endpoint` hits a closed local port, never the real Hub.
  process.env.HF_ENDPOINT = 'http://127.0.0.1:9';
  return () => {
    for (const name of HUB_ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  };
}
