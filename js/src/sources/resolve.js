// Turns the `source` argument of Embedder.load into a readable model folder:
//   an object with readBytes/readText/has  -> used as is
//   'http(s)://...' or a browser-relative URL -> UrlFolderSource
//   an existing local folder (Node)        -> LocalFolderSource
//   'owner/name' (Hugging Face repository) -> the Hub (downloaded and cached; converted when
//                                             the repository has no ONNX file)
import { InvalidArgumentError, FileNotFoundError } from '../errors.js';
import { UrlFolderSource } from './url-folder.js';
import { REPO_ID_SHAPE } from '../layout.js';

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

function isSourceObject(value) {
  return value && typeof value === 'object' && typeof value.readBytes === 'function' &&
    typeof value.readText === 'function' && typeof value.has === 'function';
}

/**
 * @param {{forConversion?: boolean}} [purpose] forConversion: a Hub repository yields its
 *   configuration and weights rather than an ONNX file
 * @returns {Promise<{folder: object, onnx?: object}>} where to read the model's files; `onnx`
 *   when the ONNX file lives elsewhere than the configuration (a converted Hub model).
 */
export async function resolveSource(source, options = {}, { forConversion = false } = {}) {
  if (isSourceObject(source)) return { folder: source };
  if (typeof source !== 'string' || source.length === 0) {
    throw new InvalidArgumentError('Embedder.load(source) takes a model folder path, a URL or a Hub ' +
      `repository id like 'bi-matrix/gmatrix-embedding'; got ${source === '' ? 'an empty string' : typeof source}.`);
  }
  if (/^https?:\/\//i.test(source) || (!isNode && !REPO_ID_SHAPE.test(source))) {
    return { folder: new UrlFolderSource(source, { fetch: options?.fetch }) };
  }
  if (isNode) {
    const { LocalFolderSource, pathKind } = await import('./local-folder.js');
    const kind = await pathKind(source);
    if (kind === 'folder') return { folder: new LocalFolderSource(source) };
    if (kind === 'file') {
      throw new InvalidArgumentError(`${source} is a file; pass the model folder that holds it.`);
    }
  }
  if (REPO_ID_SHAPE.test(source)) {
    const hub = await import('../hub/model-source.js');
    return forConversion ? hub.hubWeightsSource(source, options ?? {}) : hub.hubModelSource(source, options ?? {});
  }
  throw new FileNotFoundError(`No model folder at '${source}', and it is not a Hub repository id ` +
    "(owner/name). Check the path, or pass an id like 'bi-matrix/gmatrix-embedding'.");
}
