// Bulk embedding from the command line as a corpus job runs it: streamed formats, outputs equal to
// the golden embeddings, sharded parts that concatenate to the whole, runs killed and resumed, and
// memory that does not grow with the input. Also the CLI's usage errors and per-command help.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, tinyDebertaDir } from './fixtures.js';
import { BACKENDS, maxAbsDiff, readGolden } from './support/golden.js';
import { parseNpyHeader } from '../../js/src/search/npy.js';
import { calibrationRanges, quantizeEmbeddings } from '../../js/src/search/quantize.js';

const bin = path.join(repoRoot, 'js/bin/gmatrix-embed.js');
const { sentences } = readGolden('sentences.json');
// Texts without line breaks can be lines of a .txt file.
const oneLine = sentences.filter((s) => !/[\r\n\u2028\u2029\u0085\u000b\u000c\u001c-\u001e]/.test(s.text));
// The faster backend where there is one: these tests run the CLI dozens of times (the golden
// tests cover both backends).
const BACKEND = BACKENDS.includes('native') ? 'native' : 'wasm';
const MODEL = ['--model', tinyDebertaDir, '--backend', BACKEND, '--threads', '1'];

function cli(args, { input, cwd } = {}) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { maxBuffer: 1 << 26, cwd },
      (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

let dir;
const at = (name) => path.join(dir, name);
const readNpy = (file) => {
  const bytes = fs.readFileSync(file);
  const header = parseNpyHeader(bytes);
  const body = bytes.subarray(header.headerLength);
  const Type = { '<f4': Float32Array, '|i1': Int8Array, '|u1': Uint8Array }[header.descr];
  return { ...header, data: new Type(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) };
};
// A corpus of many distinct lines of varied length (so windows batch by length).
const corpusLine = (i) => `${oneLine[i % oneLine.length].text} ${i} ${'가나다라 '.repeat(i % 17)}`.trim();

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gmatrix-bulk-'));
  await fsp.writeFile(at('golden.txt'), `${oneLine.map((s) => s.text).join('\n')}\n`);
  await fsp.writeFile(at('corpus.txt'), `${Array.from({ length: 2000 }, (_, i) => corpusLine(i)).join('\n')}\n`);
});

describe('embed --output', () => {
  it('.npy, .f32 and .jsonl hold the golden embeddings, with a sidecar describing the run', async () => {
    for (const file of ['g.npy', 'g.f32', 'g.jsonl']) {
      const r = await cli(['embed', ...MODEL, '-i', at('golden.txt'), '-o', at(file)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
    }
    const npy = readNpy(at('g.npy'));
    assert.deepEqual([npy.descr, npy.shape], ['<f4', [oneLine.length, 64]]);
    const f32 = new Float32Array(fs.readFileSync(at('g.f32')).buffer.slice(0));
    const jsonl = fs.readFileSync(at('g.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).embedding);
    oneLine.forEach((s, i) => {
      assert.ok(maxAbsDiff(npy.data.subarray(i * 64, (i + 1) * 64), s.embedding) <= 1e-5, s.id);
      assert.deepEqual(f32.subarray(i * 64, (i + 1) * 64), npy.data.subarray(i * 64, (i + 1) * 64));
      assert.deepEqual(Float32Array.from(jsonl[i]), npy.data.subarray(i * 64, (i + 1) * 64));
    });
    const sidecar = JSON.parse(fs.readFileSync(at('g.npy.json'), 'utf8'));
    assert.equal(sidecar.complete, true);
    assert.equal(sidecar.count, oneLine.length);
    assert.equal(sidecar.dimensions, 64);
    assert.equal(sidecar.precision, 'float32');
    assert.equal(sidecar.backend, BACKEND);
    assert.match(sidecar.input.sha256, /^[0-9a-f]{64}$/);
  });

  it('--precision int8/uint8/binary/ubinary: quantize_embeddings of the float32 rows, ranges from the first window', async () => {
    const floats = readNpy(at('g.npy'));
    const embeddings = { data: floats.data, dims: floats.shape };
    for (const precision of ['int8', 'uint8', 'binary', 'ubinary']) {
      const r = await cli(['embed', ...MODEL, '-i', at('golden.txt'), '-o', at(`g-${precision}.npy`), '--precision', precision]);
      assert.equal(r.code, 0, r.stderr);
      const out = readNpy(at(`g-${precision}.npy`));
      const ranges = precision.endsWith('int8') ? calibrationRanges(embeddings) : undefined;
      const expected = quantizeEmbeddings(embeddings, precision, { ranges });
      assert.deepEqual(out.shape, expected.dims, precision);
      assert.deepEqual(out.data, expected.data, precision);
      const sidecar = JSON.parse(fs.readFileSync(at(`g-${precision}.npy.json`), 'utf8'));
      if (ranges) assert.deepEqual(sidecar.ranges.min, Array.from(ranges.min));
    }
    const f32 = await cli(['embed', ...MODEL, '-i', at('golden.txt'), '-o', at('x.f32'), '--precision', 'int8']);
    assert.equal(f32.code, 2);
    assert.match(f32.stderr, /\.f32 output holds float32 only/);
  });

  it('--shard K/N: the parts concatenate (cat; merge for .npy) to the unsharded output byte for byte', async () => {
    const common = [...MODEL, '-i', at('corpus.txt'), '--window', '300', '-q'];
    for (const ext of ['f32', 'jsonl']) {
      assert.equal((await cli(['embed', ...common, '-o', at(`whole.${ext}`)])).code, 0);
      const parts = [];
      for (let k = 1; k <= 3; k++) {
        const r = await cli(['embed', ...common, '-o', at(`part${k}.${ext}`), '--shard', `${k}/3`]);
        assert.equal(r.code, 0, r.stderr);
        parts.push(fs.readFileSync(at(`part${k}.${ext}`)));
      }
      assert.ok(parts.every((p) => p.length > 0));
      assert.ok(Buffer.concat(parts).equals(fs.readFileSync(at(`whole.${ext}`))), ext);
    }
    assert.equal((await cli(['embed', ...common, '-o', at('whole.npy'), '--precision', 'int8'])).code, 0);
    for (let k = 1; k <= 3; k++) assert.equal((await cli(['embed', ...common, '-o', at(`part${k}.npy`), '--shard', `${k}/3`, '--precision', 'int8'])).code, 0);
    const merged = await cli(['merge', at('part1.npy'), at('part2.npy'), at('part3.npy'), '-o', at('merged.npy'), '-q']);
    assert.equal(merged.code, 0, merged.stderr);
    assert.ok(fs.readFileSync(at('merged.npy')).equals(fs.readFileSync(at('whole.npy'))));
    const outOfOrder = await cli(['merge', at('part2.npy'), at('part1.npy'), '-o', at('bad.npy')]);
    assert.equal(outOfOrder.code, 1);
    assert.match(outOfOrder.stderr, /starts at row \d+, expected 0/);
  });

  it('killed with SIGKILL, or interrupted with SIGINT, then --resume: equal to an uninterrupted run', async () => {
    const common = [...MODEL, '-i', at('corpus.txt'), '--window', '200'];
    assert.equal((await cli(['embed', ...common, '-o', at('full.npy'), '-q'])).code, 0);
    for (const signal of ['SIGKILL', 'SIGINT']) {
      const out = at(`killed-${signal}.npy`);
      const child = spawn(process.execPath, [bin, 'embed', ...common, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
      // Wait until some windows are written, but not all.
      while (!(fs.existsSync(out) && fs.statSync(out).size > 128 + 64 * 4 * 450)) await new Promise((r) => setTimeout(r, 5));
      child.kill(signal);
      const { code, sig } = await exited;
      const partial = fs.statSync(out).size;
      assert.ok(partial < fs.statSync(at('full.npy')).size, 'killed before the end');
      if (signal === 'SIGINT') {
        assert.equal(code, 130, stderr);
        assert.match(stderr, /interrupted after \d+ rows; run the same command with --resume/);
      } else {
        assert.equal(sig, 'SIGKILL');
      }
      const again = await cli(['embed', ...common, '-o', out]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /exists; pass --resume/);
      const resumed = await cli(['embed', ...common, '-o', out, '--resume']);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.ok(fs.readFileSync(out).equals(fs.readFileSync(at('full.npy'))), signal);
      assert.equal(JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')).complete, true);
    }
    // The output gone but its record left: --resume starts over and still ends equal.
    const record = JSON.parse(fs.readFileSync(at('full.npy.json'), 'utf8'));
    fs.writeFileSync(at('gone.npy.json'), JSON.stringify({ ...record, complete: false }));
    const restarted = await cli(['embed', ...common, '-o', at('gone.npy'), '--resume']);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.ok(fs.readFileSync(at('gone.npy')).equals(fs.readFileSync(at('full.npy'))));
    const changed = await cli(['embed', ...common, '-o', at('full.npy'), '--resume', '--window', '100']);
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /started with window 200, this run has 100/);
  });

  it('memory stays flat: RSS late in a long run is what it was early on', async () => {
    // 15,000 lines of ~2,000 characters (60 MB as strings): every text fills max_length, so every
    // batch has the same shape and ONNX Runtime's arena settles at once. RSS is sampled during the
    // run against the rows written so far; the highest value in the second sixth to half of the
    // run is compared with the highest in its last third (spans of equal length, so equally many
    // chances to catch a garbage-collection peak). Holding the input, or the vectors, would show
    // as a rise of tens of MB. Measured: 325-346 MB throughout, from the first window to the last.
    const long = `${'한 남자가 기타를 치고 있다. '.repeat(120)}`;
    const lines = 15000;
    const file = at('mem.txt');
    const out = at('mem.f32');
    await fsp.writeFile(file, `${Array.from({ length: lines }, (_, i) => `${i} ${long}`).join('\n')}\n`);
    const child = spawn(process.execPath, [bin, 'embed', ...MODEL, '-i', file, '-o', out, '--window', '256', '-q']);
    const early = [];
    const late = [];
    const timer = setInterval(() => {
      try {
        const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
        const done = fs.existsSync(out) ? fs.statSync(out).size / (64 * 4) / lines : 0;
        if (done >= 1 / 6 && done < 1 / 2) early.push(rss);
        else if (done >= 2 / 3) late.push(rss);
      } catch { /* not started or exited */ }
    }, 20);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    clearInterval(timer);
    assert.equal(code, 0);
    assert.ok(early.length > 10 && late.length > 10, `samples: ${early.length} early, ${late.length} late`);
    const [first, last] = [Math.max(...early), Math.max(...late)];
    assert.ok(last < first + 20, `RSS peaked at ${first.toFixed(0)} MB early in the run, ${last.toFixed(0)} MB late`);
  });
});

describe('embed input formats', () => {
  it('.csv (quoted commas, quotes, line breaks) and .tsv by --column, .jsonl by field; header rows skipped', async () => {
    const texts = ['첫 번째, 쉼표', '따옴표 "인용"', '줄\n바꿈'];
    await fsp.writeFile(at('t.csv'), `id,review\r\n${texts.map((t, i) => `${i},"${t.replace(/"/g, '""')}"`).join('\r\n')}\r\n`);
    await fsp.writeFile(at('t.tsv'), `review\tid\n${texts.map((t, i) => `${t.replace('\n', ' ')}\t${i}`).join('\n')}\n`);
    await fsp.writeFile(at('t.jsonl'), `${texts.map((t) => JSON.stringify({ review: t })).join('\n')}\n\n`);
    const direct = await cli(['embed', ...MODEL, '-i', '-', '--format', 'jsonl'], { input: texts.map((t) => JSON.stringify({ text: t })).join('\n') });
    const expected = direct.stdout.trim().split('\n');
    assert.equal(expected.length, 3);
    const csv = await cli(['embed', ...MODEL, '-i', at('t.csv'), '--column', 'review']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.deepEqual(csv.stdout.trim().split('\n'), expected);
    const jsonl = await cli(['embed', ...MODEL, '-i', at('t.jsonl'), '--column', 'review']);
    assert.deepEqual(jsonl.stdout.trim().split('\n'), expected);
    const tsv = await cli(['embed', ...MODEL, '-i', at('t.tsv'), '--column', 'review']);
    assert.equal(tsv.stdout.trim().split('\n').length, 3);
    assert.deepEqual(tsv.stdout.trim().split('\n').slice(0, 2), expected.slice(0, 2));
    const noColumn = await cli(['embed', ...MODEL, '-i', at('t.csv')]);
    assert.equal(noColumn.code, 1);
    assert.match(noColumn.stderr, /has no column 'text'; its header names 'id', 'review'\. Choose one with --column NAME/);
  });

  it('refuses unknown extensions with the accepted list, and stdin with --shard', async () => {
    await fsp.writeFile(at('notes.md'), 'x\n');
    let r = await cli(['embed', ...MODEL, '-i', at('notes.md')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /accepted: \.txt, .*\.jsonl.*\.csv, \.tsv/);
    r = await cli(['embed', ...MODEL, '-i', at('golden.txt'), '-o', at('out.parquet')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /accepted: \.jsonl, \.npy, \.f32/);
    r = await cli(['embed', ...MODEL, '-i', '-', '--shard', '1/2'], { input: 'x\n' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--shard needs --input FILE/);
  });
});

describe('CLI ergonomics', () => {
  it('every command answers --help with its usage (exit 0)', async () => {
    const overview = await cli(['--help']);
    const commands = [...overview.stdout.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    assert.deepEqual(commands, ['tokenize', 'embed', 'search', 'similarity', 'eval', 'convert', 'merge']);
    for (const command of commands) {
      const r = await cli([command, '--help']);
      assert.equal(r.code, 0, command);
      assert.match(r.stdout, new RegExp(`^Usage: gmatrix-embed ${command} `), command);
      assert.match(r.stdout, /--model M/);
    }
  });

  it('usage errors exit 2 with one line and a suggestion for a near miss', async () => {
    const cases = [
      [['embed', '--model', tinyDebertaDir], /--input FILE is required/],
      [['embed', '-i', '-', '--nromalize'], /unknown option --nromalize; did you mean --normalize\?/],
      [['embed', '-i', '-', '--output-file', 'x.npy'], /unknown option --output-file; did you mean --output\?/],
      [['embed', '-i', '-', '--backend', 'nativ'], /--backend takes auto, wasm, native; got 'nativ'; did you mean native\?/],
      [['embed', '-i', '-', '--shard', '3/2'], /--shard takes K\/N with 1 <= K <= N/],
      [['embed', '-i', '-', '--threads', 'two'], /--threads takes an integer/],
      [['serach'], /unknown command 'serach'; did you mean 'search'\?/],
      [['search', '--query', 'x'], /search needs --index FILE/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('a folder of only a quantized model is used without --dtype; convert --quiet prints only its files', async () => {
    const out = at('q8-only');
    const converted = await cli(['convert', tinyDebertaDir, '--out', out, '--dtype', 'q8', '--quiet']);
    assert.equal(converted.code, 0, converted.stderr);
    assert.equal(converted.stderr, '');
    assert.match(converted.stdout, /^ +\d+ {2}onnx\/model_quantized\.onnx$/m);
    assert.ok(converted.stdout.trimEnd().split('\n').every((line) => /^ +\d+ {2}\S+$/.test(line)), converted.stdout);
    assert.ok(!fs.existsSync(path.join(out, 'model.onnx')));
    const r = await cli(['embed', '--model', out, '--backend', BACKEND, '-i', at('golden.txt'), '-o', at('q8.npy')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(fs.readFileSync(at('q8.npy.json'), 'utf8')).dtype, 'q8');
    const { Embedder } = await import('../../js/src/index.js');
    const model = await Embedder.load(out, { backend: 'wasm' });
    assert.equal(model.info.dtype, 'q8');
    assert.match(model.info.dtypeReason, /no fp32 model, only onnx\/model_quantized\.onnx/);
    await model.dispose();
  });

  it('control characters in arguments are escaped in error messages', async () => {
    const r = await cli(['embed', '-i', 'evil\u001b[31m.md']);
    assert.equal(r.code, 2);
    assert.ok(!r.stderr.includes('\u001b'));
    assert.match(r.stderr, /evil\\x1b\[31m\.md/);
  });
});

describe('progress', () => {
  it('draws a bar with rate and ETA on a terminal, nothing with --quiet or when piped', async () => {
    const { main } = await import('../../js/src/cli/main.js');
    const { PassThrough } = await import('node:stream');
    const run = async (args, isTTY) => {
      const stderr = Object.assign(new PassThrough(), { isTTY });
      const stdout = new PassThrough();
      let text = '';
      stderr.on('data', (d) => { text += d; });
      stdout.resume();
      const code = await main(['embed', ...MODEL, '-i', at('corpus.txt'), '-o', at('progress.f32'), '--overwrite', ...args],
        { stdin: new PassThrough(), stdout, stderr });
      return { code, text };
    };
    const shown = await run([], true);
    assert.equal(shown.code, 0);
    assert.match(shown.text, /\[#+\] 100\.0% 2,000\/2,000 texts · [\d.]+ texts\/s · ETA 0:00/);
    assert.deepEqual(await run(['--quiet'], true), { code: 0, text: '' });
    assert.deepEqual(await run([], false), { code: 0, text: '' });
  });
});
