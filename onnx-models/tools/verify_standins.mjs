// Runs every network of the stand-in models (onnx-models/standins/<id>/, written by standins.py) in
// ONNX Runtime (npm onnxruntime-node) on the golden inputs and compares with PyTorch's golden outputs.
// The networks, their ONNX input/output names and element types come from each model.json.
//   npm ci --ignore-scripts --prefix onnx-models/tools && node onnx-models/tools/verify_standins.mjs
// Tolerance: |onnx - torch| <= tol * max(1, max |torch|), tol = 1e-4 for float32 networks and
// 5e-3 for float16 ones (PyTorch ran in float32 on float16-rounded weights; ONNX Runtime in float16).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { readTensor } from './golden_tensor.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'standins');
const TOL = { float32: 1e-4, float16: 5e-3 };

function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function floats(t) {
  return t.type === 'float16' ? Array.from(t.data, halfToFloat) : Array.from(t.data, Number);
}

let failed = 0, checked = 0;
for (const id of fs.readdirSync(root).sort()) {
  const dir = path.join(root, id);
  const manifestFile = path.join(dir, 'model.json');
  if (!fs.existsSync(manifestFile)) continue;
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  for (const [role, net] of Object.entries(manifest.networks)) {
    const stem = net.file.replace(/\.onnx$/, '');
    const session = await ort.InferenceSession.create(path.join(dir, net.file));
    const feeds = {};
    for (const name of Object.values(net.inputs)) {
      feeds[name] = readTensor(path.join(dir, 'golden', `${stem}.${name}.gtns`));
    }
    for (const [outRole, name] of Object.entries(net.outputs)) {
      const got = (await session.run(feeds))[name];
      const want = readTensor(path.join(dir, 'golden', `${stem}.${name}.gtns`));
      const type = (net.outputTypes || {})[outRole] || 'float32';
      const g = floats(got), w = floats(want);
      let maxDiff = 0, maxAbs = 0;
      for (let i = 0; i < w.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(g[i] - w[i]));
        maxAbs = Math.max(maxAbs, Math.abs(w[i]));
      }
      const sameShape = got.dims.join(',') === want.dims.join(',');
      const ok = sameShape && got.type === want.type && maxDiff <= TOL[type] * Math.max(1, maxAbs);
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${id}/${net.file} (${role}) ${name} ${got.type}[${got.dims}]: ` +
        `max |onnx - torch| = ${maxDiff.toExponential(2)} (max |torch| ${maxAbs.toFixed(3)}, tolerance ${TOL[type]} relative)`);
      checked++;
      if (!ok) failed++;
    }
  }
}
if (!checked) { console.error(`no stand-ins under ${root}: run standins.py first`); process.exit(1); }
process.exit(failed ? 1 : 0);
