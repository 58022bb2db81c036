// README.md stays true: its JavaScript examples and its quick-start pipeline run as written.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './fixtures.js';

const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

it('runs every ```js example that imports the package', () => {
  const examples = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])
    .filter((code) => code.includes("from 'gmatrix-embed'"));
  assert.ok(examples.length > 0, 'README has runnable examples');
  // Inside the package folder, so `import 'gmatrix-embed'` resolves to this package itself.
  const dir = path.join(repoRoot, 'tmp');
  fs.mkdirSync(dir, { recursive: true });
  examples.forEach((code, i) => {
    const file = path.join(dir, `readme-example-${i}.mjs`);
    fs.writeFileSync(file, code);
    const output = execFileSync(process.execPath, [file], { cwd: repoRoot, encoding: 'utf8' });
    assert.match(output, /\S/, `example ${i} printed something`);
  });
});

it('embeds with the quick-start command', () => {
  const quickStart = readme.match(/```sh\n(npm ci && (.*))\nnpm test\n```/);
  assert.ok(quickStart, 'the quick start has the two commands');
  // The part after `npm ci &&` (npm ci itself already ran to get here).
  const output = execFileSync('sh', ['-c', quickStart[2]], { cwd: repoRoot, encoding: 'utf8' });
  const lines = output.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(lines.length, 2);
  for (const { embedding } of lines) assert.equal(embedding.length, 64);
});
