// Debian's Chromium driven by playwright-core (never a downloaded browser). Browser tests skip
// with this reason when it is missing.
import fs from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
// Headless Chromium offers a (software, SwiftShader) WebGPU adapter only with this flag;
// without it navigator.gpu is there but requestAdapter() gives null.
export const WEBGPU_FLAG = '--enable-unsafe-webgpu';
export const skipReason = fs.existsSync(CHROMIUM) ? false
  : `Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH)`;

/** Launches Chromium; `extraFlags` e.g. [WEBGPU_FLAG]. */
export async function launchChromium(extraFlags = []) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS, ...extraFlags] });
}

/** The import map a page needs to use the package unbundled (see demo/index.html). */
export const IMPORT_MAP = `<script type="importmap">${JSON.stringify({
  imports: {
    'onnxruntime-web': '/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs',
    'onnxruntime-web/webgpu': '/node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs',
    fflate: '/node_modules/fflate/esm/browser.js',
    'protobufjs/minimal.js': '/demo/protobuf-minimal.js',
  },
})}</script>`;
