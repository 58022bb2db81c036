// Node-only additions to the package (they read and write files): `import { convertModel, readSearchIndex } from 'gmatrix-embed/node'`.
export * from './index.js';
export { convertModel } from './convert/convert-folder.js';
export { readSearchIndex } from './search/read-index-node.js';
export { readStsFile } from './sts-file-node.js';
export * from './convert.js';
