// Where the shared reference data lives: ../shared beside the repo root, or GMATRIX_EMBED_SHARED.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const sharedDir = process.env.GMATRIX_EMBED_SHARED
  ? path.resolve(process.env.GMATRIX_EMBED_SHARED)
  : path.resolve(repoRoot, '..', 'shared');
export const fixturesDir = path.join(sharedDir, 'fixtures');
export const tinyDebertaDir = path.join(fixturesDir, 'tiny-deberta-v2');
export const goldenDir = path.join(fixturesDir, 'golden');
export const korstsDir = path.join(sharedDir, 'data', 'korsts');
export { repoRoot };
