// Runs each exported network in ONNX Runtime (npm onnxruntime-node) on the golden inputs that
// export_models.py wrote and compares with PyTorch's golden outputs.
//   npm ci --ignore-scripts --prefix onnx-models/tools && node onnx-models/tools/verify_onnx.mjs
// With folder arguments it checks those model folders instead (the network list comes from the
// folder's model.json id), e.g. `node onnx-models/tools/verify_onnx.mjs onnx-models/mnist-ddpm-1.1.0`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { readTensor } from './golden_tensor.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NETWORKS = {
  'mnist-ddpm': [['unet', ['sample', 'timestep', 'class_labels'], 'noise_pred']],
  'shapes-t2i': [['unet', ['sample', 'timestep', 'encoder_hidden_states'], 'noise_pred'],
                 ['text_encoder', ['input_ids'], 'last_hidden_state']],
};

const folders = process.argv.slice(2);
const targets = folders.length === 0
  ? Object.entries(NETWORKS).map(([model, nets]) => [model, nets, path.join(root, model)])
  : folders.map(f => {
      const dir = path.resolve(f);
      const manifest = path.join(dir, 'model.json');
      if (!fs.existsSync(manifest)) { console.error(`error: no model.json in ${dir}`); process.exit(2); }
      const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      if (!NETWORKS[m.id]) { console.error(`error: ${manifest}: no golden networks known for id ${m.id}`); process.exit(2); }
      return [`${path.basename(dir)} (${m.id} ${m.version})`, NETWORKS[m.id], dir];
    });

let failed = 0;
for (const [model, nets, dir] of targets) {
  for (const [net, inputs, output] of nets) {
    const file = path.join(dir, `${net}.onnx`);
    if (!fs.existsSync(file)) { console.error(`missing ${file}: run export_models.py first`); failed++; continue; }
    const session = await ort.InferenceSession.create(file);
    const feeds = Object.fromEntries(inputs.map(n => [n, readTensor(path.join(dir, 'golden', `${net}.${n}.gtns`))]));
    const got = (await session.run(feeds))[output].data;
    const want = readTensor(path.join(dir, 'golden', `${net}.${output}.gtns`)).data;
    let maxDiff = 0, maxAbs = 0;
    for (let i = 0; i < want.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
      maxAbs = Math.max(maxAbs, Math.abs(want[i]));
    }
    const ok = got.length === want.length && maxDiff <= 1e-4 * Math.max(1, maxAbs);
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${model}/${net}.onnx: max |onnx - torch| = ${maxDiff.toExponential(2)} (max |torch| ${maxAbs.toFixed(3)})`);
    if (!ok) failed++;
  }
}
process.exit(failed ? 1 : 0);
