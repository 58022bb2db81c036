// Section 6: bulk embedding of a corpus, tiny model: `gmatrix-embed embed --output` (streamed in
// windows) vs the script a user would otherwise write (read every line, one embed() call, write),
// at 10x the input. Prints wall time, texts/s and peak RSS (VmHWM, polled) of each child process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, table, times } from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.GMATRIX_EMBED_SHARED ?? path.resolve(root, '..', 'shared');
const model = path.join(shared, 'fixtures', 'tiny-deberta-v2');
const bin = path.join(root, 'js', 'bin', 'gmatrix-embed.js');

// The whole-list script: what `embed` replaced (its memory grows with the input).
const WHOLE_LIST_SCRIPT = `
import fs from 'node:fs';
import { Embedder } from ${JSON.stringify(path.join(root, 'js', 'src', 'index.js'))};
const [input, output, modelDir] = process.argv.slice(2);
const texts = fs.readFileSync(input, 'utf8').replace(/\\n$/, '').split('\\n');
const model = await Embedder.load(modelDir, { backend: 'native' });
const { data } = await model.embed(texts);
fs.writeFileSync(output, data);
await model.dispose();`;

function measure(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
    let peak = 0;
    const timer = setInterval(() => {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
        peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
      } catch { /* exited */ }
    }, 20);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.split('\n').slice(-5).join('\n')}`));
      else resolve({ seconds: (performance.now() - started) / 1000, peak });
    });
  });
}

export async function runBulk({ work, quick }) {
  const sizes = quick ? [5000, 50000] : [10000, 100000];
  const rows = [];
  for (const lines of sizes) {
    const input = path.join(work, `bulk-${lines}.txt`);
    let text = '';
    for (let i = 0; i < lines; i++) text += `문장 번호 ${i} 입니다 ${(i * 7919) % 1000} ${'가나다 '.repeat(i % 23)}\n`;
    fs.writeFileSync(input, text);
    log(`${lines.toLocaleString('en-US')} lines (${(text.length / 1e6).toFixed(1)} M chars)`);
    const streamed = await measure([bin, 'embed', '--model', model, '--backend', 'native', '-i', input,
      '-o', path.join(work, `bulk-${lines}.npy`), '--overwrite', '-q']);
    const script = path.join(work, 'whole-list.mjs');
    fs.writeFileSync(script, WHOLE_LIST_SCRIPT);
    const whole = await measure([script, input, path.join(work, `bulk-${lines}.f32`), model]);
    for (const [name, r] of [['gmatrix-embed embed -o .npy (streamed)', streamed], ['one embed() over all lines', whole]]) {
      rows.push([name, lines.toLocaleString('en-US'), r.seconds.toFixed(1), (lines / r.seconds).toFixed(0),
        (r.peak / 2 ** 20).toFixed(0), times(r.peak / whole.peak)]);
    }
  }
  table(['implementation', 'lines', 's', 'texts/s', 'peak RSS MiB', 'RSS vs one call'], rows);
  await longText();
}

// One hostile text: 50 MB of Korean, of which only the first 128 tokens are kept. The tokenizer
// stops reading once they are found, so this costs about what copying the text into WebAssembly does.
async function longText() {
  const { Embedder } = await import('../js/src/index.js');
  const embedder = await Embedder.load(model, { backend: 'wasm', threads: 1 });
  const text = '한 남자가 기타를 치고 있다. '.repeat(Math.ceil((50 * 2 ** 20) / 40));
  const started = performance.now();
  const { ids, truncated } = embedder.tokenize(text);
  const ms = performance.now() - started;
  log(`tokenize of one ${(Buffer.byteLength(text) / 2 ** 20).toFixed(0)} MB text: ${ms.toFixed(0)} ms (${ids.length} ids, truncated ${truncated})`);
  await embedder.dispose();
}
