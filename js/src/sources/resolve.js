// Turns the `source` argument of Embedder.load into a readable model folder:
//   an object with readBytes/readText/has  -> used as is
//   'http(s)://...' or a browser-relative URL -> UrlFolderSource
//   an existing local folder (Node)        -> LocalFolderSource
//   'owner/name' (Hugging Face repository) -> {repo}: the loader (js/src/loader/) reads it
//                                             through the Hub client
import { InvalidArgumentError, FileNotFoundError } from '../errors.js';
import { UrlFolderSource } from './url-folder.js';
import { REPO_ID_SHAPE } from '../layout.js';

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

function isSourceObject(value) {
  return value && typeof value === 'object' && typeof value.readBytes === 'function' &&
    typeof value.readText === 'function' && typeof value.has === 'function';
}

/**
 * @returns {Promise<{folder: object} | {repo: string}>} a folder to read the model's files
 *   from, or the Hub repository id to fetch them from
 */
export async function resolveSource(source, options = {}) {
  if (isSourceObject(source)) return { folder: source };
  if (typeof source !== 'string' || source.length === 0) {
    throw new InvalidArgumentError('Embedder.load(source) takes a model folder path, a URL or a Hub ' +
      `repository id like 'bi-matrix/gmatrix-embedding'; got ${source === '' ? 'an empty string' : typeof source}.`);
  }
  if (/^https?:\/\//i.test(source) || (!isNode && !REPO_ID_SHAPE.test(source))) {
    return { folder: new UrlFolderSource(source, { fetch: options?.fetch, onProgress: options?.onProgress }) };
  }
  if (isNode) {
    const { LocalFolderSource, pathKind } = await import('./local-folder.js');
    const kind = await pathKind(source);
    if (kind === 'folder') return { folder: new LocalFolderSource(source) };
    if (kind === 'file') {
      throw new InvalidArgumentError(`${source} is a file; pass the model folder that holds it.`);
    }
  }
  if (REPO_ID_SHAPE.test(source)) return { repo: source };
  throw new FileNotFoundError(`No model folder at '${source}', and it is not a Hub repository id ` +
    "(owner/name). Check the path, or pass an id like 'bi-matrix/gmatrix-embedding'.");
}
