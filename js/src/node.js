// Node-only additions to the package (they write files): `import { convertModel } from 'gmatrix-embed/node'`.
export * from './index.js';
export { convertModel } from './convert/convert-folder.js';
export * from './convert.js';
