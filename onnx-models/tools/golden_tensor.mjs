// Reads the golden tensor files written by write_tensor in common.py (GTNS header, little-endian
// data) as onnxruntime-node tensors. Shared by verify_onnx.mjs and verify_standins.mjs.
import fs from 'node:fs';
import ort from 'onnxruntime-node';

export function readTensor(file) {
  const b = fs.readFileSync(file);
  if (b.toString('ascii', 0, 4) !== 'GTNS') throw new Error(`${file}: not a golden tensor file`);
  const code = b.readInt32LE(4), rank = b.readInt32LE(8);
  const dims = [];
  for (let i = 0; i < rank; i++) dims.push(Number(b.readBigInt64LE(12 + 8 * i)));
  const copy = new Uint8Array(b.subarray(12 + 8 * rank)).buffer;
  switch (code) {
    case 1: return new ort.Tensor('float32', new Float32Array(copy), dims);
    case 2: return new ort.Tensor('int64', new BigInt64Array(copy), dims);
    case 4: return new ort.Tensor('int32', new Int32Array(copy), dims);
    case 5: return new ort.Tensor('float16', new Uint16Array(copy), dims);
    default: throw new Error(`${file}: unsupported dtype code ${code}`);
  }
}
