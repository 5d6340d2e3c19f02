// infra/ against what runs in the cluster: the Pod Identity bindings name the service
// accounts the manifests run, every secret an ExternalSecret reads is one Terraform makes
// (and the other way round), every platform value the manifests read is a Terraform
// output, and no Terraform-owned value is written anywhere but platform.yaml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadModule, tfvars, INFRA, REPO, ENVIRONMENTS } from './hcl.mjs';

const root = await loadModule(INFRA);
const secretsModule = await loadModule(path.join(INFRA, 'modules/secrets'));
const render = (env) => YAML.parseAllDocuments(execFileSync('kubectl', ['kustomize', path.join(REPO, 'k8s/overlays', env)], { encoding: 'utf8', maxBuffer: 64 << 20 })).map((d) => d.toJS());
const rendered = Object.fromEntries(ENVIRONMENTS.map((env) => [env, render(env)]));
const addons = YAML.parse(fs.readFileSync(path.join(REPO, 'argocd/platform/values.yaml'), 'utf8')).addons;
const platformFile = (env) => YAML.parse(fs.readFileSync(path.join(REPO, 'k8s/overlays', env, 'platform.yaml'), 'utf8'));

/** The platform output's keys, as infra/outputs.tf builds them (locals.platform). */
function outputKeys() {
  const text = root.locals.platform;
  return new Set([...text.matchAll(/^\s+(\w+)\s+=/gm), ...text.matchAll(/\{\s*(\w+)\s*=\s*module\./g)].map((m) => m[1]));
}

test('Pod Identity binds exactly the service accounts the manifests run', () => {
  for (const env of ENVIRONMENTS) {
    const bound = Object.entries(root.modules.pod_roles.roles)
      .map(([, r]) => `${r.namespace === '${local.namespace}' ? `datapipe-${env}` : r.namespace}/${r.service_account}`).sort();
    const objects = rendered[env];
    const namespace = objects.find((o) => o.kind === 'Namespace').metadata.name;
    const collector = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'otel-collector').spec.template.spec.serviceAccountName;
    assert.ok(objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === collector), `${env}: ServiceAccount ${collector} is rendered`);
    const running = [`${namespace}/${collector}`, ...Object.values(addons).filter((a) => a.serviceAccount).map((a) => `${a.namespace}/${a.serviceAccount}`)].sort();
    assert.deepEqual(bound, running, `${env}: infra/main.tf module.pod_roles vs k8s/base + argocd/platform/values.yaml`);
  }
});

test('every secret an ExternalSecret reads is made by Terraform where the overlay reads it, with the properties it reads', async () => {
  const made = [...JSON.stringify(secretsModule.locals).matchAll(/\\"(datapipe\/[\w/-]+)\\"/g)].map((m) => m[1]);
  const generated = [...secretsModule.locals.generated.matchAll(/"(datapipe\/[\w/-]+)"/g)].map((m) => m[1]);
  for (const env of ENVIRONMENTS) {
    const vars = await tfvars(env);
    const read = new Map();
    for (const es of rendered[env].filter((o) => o.kind === 'ExternalSecret')) {
      for (const d of es.spec.data ?? []) read.set(d.remoteRef.key, [...(read.get(d.remoteRef.key) ?? []), d.remoteRef.property]);
    }
    if (!vars.external_secrets) {
      assert.equal(read.size, 0, `${env}: external_secrets = false in env/${env}.tfvars, yet the overlay has ExternalSecrets`);
      continue;
    }
    const expected = made.filter((s) => (vars.broker === 'amazon-mq' || !s.startsWith('datapipe/rabbitmq/')) && (vars.alarms_page || s !== 'datapipe/alerting/pagerduty'));
    assert.deepEqual([...read.keys()].sort(), [...new Set(expected)].sort(), `${env}: secrets read (k8s/components) vs made (infra/modules/secrets)`);
    for (const s of generated) if (read.has(s)) assert.deepEqual([...new Set(read.get(s))].sort(), ['password', 'username'], `${env}: ${s}`);
    if (read.has('datapipe/rabbitmq/admin')) assert.deepEqual([...new Set(read.get('datapipe/rabbitmq/admin'))].sort(), ['password', 'uri', 'username']);
  }
});

test('the broker is one choice per environment: Amazon MQ in Terraform, or the in-cluster cluster', async () => {
  for (const env of ENVIRONMENTS) {
    const vars = await tfvars(env);
    const inCluster = rendered[env].some((o) => o.kind === 'RabbitmqCluster');
    assert.equal(inCluster, vars.broker === 'in-cluster', `${env}: broker = ${vars.broker} in env/${env}.tfvars, RabbitmqCluster rendered: ${inCluster}`);
    assert.equal('brokerHost' in platformFile(env).platform, vars.broker === 'amazon-mq', `${env}: platform.yaml brokerHost`);
    const kustomization = fs.readFileSync(path.join(REPO, 'k8s/overlays', env, 'kustomization.yaml'), 'utf8');
    assert.equal(kustomization.includes('../../platform/amazon-mq'), vars.broker === 'amazon-mq', `${env}: the overlay takes the broker host from the platform`);
  }
});

test('every platform value the manifests read is a Terraform output, and platform.yaml has exactly the outputs', async () => {
  const keys = outputKeys();
  assert.ok(keys.has('registry') && keys.has('dbEndpoint') && keys.has('brokerHost'), [...keys].join(','));
  const readers = ['k8s/platform', 'charts/datapipe/templates', 'argocd/platform'].flatMap((d) => fs.readdirSync(path.join(REPO, d), { recursive: true })
    .map((f) => path.join(REPO, d, f)).filter((f) => fs.statSync(f).isFile()));
  for (const file of readers) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:fieldPath: platform\.|\.Values\.platform\)?\.|\(\.Values\.platform\)\.|\$platform\.)(\w+)/g)) {
      assert.ok(keys.has(m[1]), `${path.relative(REPO, file)} reads platform.${m[1]}, which infra/outputs.tf does not output`);
    }
  }
  for (const env of ENVIRONMENTS) {
    const vars = await tfvars(env);
    const expected = [...keys].filter((k) => k !== 'brokerHost' || vars.broker === 'amazon-mq').sort();
    assert.deepEqual(Object.keys(platformFile(env).platform).sort(), expected, `k8s/overlays/${env}/platform.yaml vs infra/outputs.tf`);
  }
});

/** Files outside platform.yaml that hold one of its values, or any account, region or AWS endpoint. The base
 * and the chart's defaults are environment-neutral (k8s/tests BaseTest); the overlays, components, chart values
 * and Applications are what an environment could hard-code. */
export function writtenTwice(files, values) {
  const found = [];
  for (const [file, text] of Object.entries(files)) {
    for (const v of values) if (text.includes(v)) found.push(`${file}: ${v}`);
    for (const p of [/\b\d{12}\b/, /\b[a-z]{2}-(north|south|east|west|central|northeast|southeast)-\d\b/, /amazoncognito\.com/, /[\w.-]+\.on\.aws\b/]) {
      const m = p.exec(text);
      if (m) found.push(`${file}: ${m[0]}`);
    }
  }
  return found;
}

function deploymentFiles() {
  const files = {};
  for (const d of ['k8s/overlays', 'k8s/components', 'k8s/platform', 'charts/datapipe', 'argocd']) {
    for (const f of fs.readdirSync(path.join(REPO, d), { recursive: true })) {
      const file = path.join(d, f);
      if (fs.statSync(path.join(REPO, file)).isFile() && path.basename(file) !== 'platform.yaml' && !file.includes('files/') && !file.startsWith('charts/datapipe/templates') && file !== 'charts/datapipe/values.yaml') files[file] = fs.readFileSync(path.join(REPO, file), 'utf8');
    }
  }
  return files;
}

test('no overlay, chart value or Application writes a value Terraform owns', () => {
  const values = new Set();
  for (const env of ENVIRONMENTS) {
    for (const [k, v] of Object.entries(platformFile(env).platform)) if (!['environment', 'clusterName', 'jwtAudienceClaim', 'jwtRoleClaims'].includes(k)) values.add(String(v));
  }
  assert.deepEqual(writtenTwice(deploymentFiles(), [...values]), []);
});

test('the literal check would catch a registry or a host written into an overlay', () => {
  const registry = platformFile('prd').platform.registry;
  assert.deepEqual(writtenTwice({ 'k8s/overlays/prd/kustomization.yaml': `newName: ${registry}/datapipe/web` }, [registry]).length, 3);
  assert.deepEqual(writtenTwice({ 'x.yaml': 'hostname: datapipe.example.com' }, ['datapipe.example.com']), ['x.yaml: datapipe.example.com']);
  assert.deepEqual(writtenTwice({ 'x.yaml': 'DATAPIPE_RABBITMQ_HOST=b-1.mq.eu-central-1.on.aws' }, []).length, 2);
});
