// Hugging Face Hub client: fetch model repositories by id, in Node and browsers, with a
// verified, resumable, offline-capable cache. Node's cache folder implementation lives in
// ./cache-node.js and is loaded on demand, so this module graph stays browser-safe.
export { resolveHubOptions, DEFAULT_ENDPOINT } from './options.js';
export { isRepoId } from './repo-id.js';
export { listRepoFiles, downloadFile, snapshotDownload } from './download.js';
export { createBrowserCache } from './cache-browser.js';
