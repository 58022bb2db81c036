// Makes a writable copy of a fixture model folder so a test can break one file.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export async function copyModel(fromDir) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gmatrix-model-'));
  await fs.cp(fromDir, dir, { recursive: true });
  // Fixture files are read-only; the copy must be editable.
  for (const entry of await fs.readdir(dir, { recursive: true })) {
    await fs.chmod(path.join(dir, entry), 0o755);
  }
  return dir;
}
