// Validates every manifest of k8s/base against the JSON schemas of Kubernetes (kubernetes-models),
// KEDA, Strimzi and the Prometheus operator. Exit status 1 and one line per problem when any is invalid.
//   npm ci --prefix k8s/validator && node k8s/validator/validate.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import * as apps from 'kubernetes-models/apps/v1';
import * as core from 'kubernetes-models/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as strimzi from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2';
import * as prometheus from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

const MODELS = {
  'apps/v1': apps, v1: core, 'policy/v1': policy, 'networking.k8s.io/v1': networking, 'keda.sh/v1alpha1': keda,
  'kafka.strimzi.io/v1beta2': strimzi, 'monitoring.coreos.com/v1': prometheus,
};
const base = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'base');
let problems = 0;
let checked = 0;
for (const file of fs.readdirSync(base).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()) {
  for (const doc of yaml.loadAll(fs.readFileSync(path.join(base, file), 'utf8')).filter(Boolean)) {
    const Model = MODELS[doc.apiVersion]?.[doc.kind];
    const where = `${file}: ${doc.apiVersion} ${doc.kind} ${doc.metadata?.name}`;
    if (!Model) {
      console.log(`FAIL ${where}: no schema for this apiVersion/kind`);
      problems++;
      continue;
    }
    try {
      new Model(doc).validate();
      console.log(`ok   ${where}`);
      checked++;
    } catch (e) {
      console.log(`FAIL ${where}: ${e.message}`);
      problems++;
    }
  }
}
console.log(`${checked} valid, ${problems} invalid`);
process.exit(problems ? 1 : 0);
