// The platform's rules, one entry each: what it asks, and a check over the parsed
// configuration (hcl.mjs) that returns what breaks it. Every rule has a negative fixture
// in fixtures/<id>.tf that it must refuse (rules.test.mjs).
import { evaluate, UNKNOWN } from './hcl.mjs';

const WORLD = ['0.0.0.0/0', '::/0'];
/** Actions that only read; any other action is a write. */
const READ = /^[a-z0-9-]+:(Get|List|Describe|BatchGet|Head|View|Search|Lookup|Query|Scan|Select)[A-Za-z*]*$/;
export const REGION = /\b[a-z]{2}(-gov)?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-\d\b/;
export const ACCOUNT = /(?<![\d.])\d{12}(?![\d.])/;

const all = (config, kind, type) => Object.values(config).flatMap((m) => m[kind].filter((r) => r.type === type));
const resources = (config, type) => all(config, 'resources', type);
const first = (v) => (Array.isArray(v) ? v[0] : v) ?? {};
const set = (v) => v !== undefined && v !== null && v !== '' && v !== false;

/** Value of a resource's attribute in each environment's instance of its module. */
function perEnvironment(envs, address, attribute) {
  const out = {};
  for (const [env, list] of Object.entries(envs)) {
    for (const { module, scope } of list) {
      const r = module.resources.find((x) => x.address === address);
      if (r) out[env] = evaluate(r.body[attribute], scope);
    }
  }
  return out;
}

/** Requirements per resource type: attribute path -> predicate on the raw value. */
const ENCRYPTION = {
  aws_db_instance: { storage_encrypted: (v) => v === true, kms_key_id: set, performance_insights_kms_key_id: set, master_user_secret_kms_key_id: set },
  aws_cloudwatch_log_group: { kms_key_id: set },
  aws_secretsmanager_secret: { kms_key_id: set },
  aws_sns_topic: { kms_master_key_id: set },
  aws_kms_key: { enable_key_rotation: (v) => v === true },
  aws_ecr_repository: { 'encryption_configuration.encryption_type': (v) => v === 'KMS', 'encryption_configuration.kms_key': set },
  aws_eks_cluster: { 'encryption_config.resources': (v) => Array.isArray(v) && v.includes('secrets'), 'encryption_config.provider.key_arn': set },
  aws_s3_bucket_server_side_encryption_configuration: {
    'rule.apply_server_side_encryption_by_default.sse_algorithm': (v) => v === 'aws:kms',
    'rule.apply_server_side_encryption_by_default.kms_master_key_id': set,
  },
  aws_xray_encryption_config: { type: (v) => v === 'KMS', key_id: set },
  aws_ebs_default_kms_key: { key_arn: set },
  aws_launch_template: { 'block_device_mappings.ebs.encrypted': (v) => v === true, 'block_device_mappings.ebs.kms_key_id': set },
  // Amazon MQ offers customer-managed keys to ActiveMQ only; RabbitMQ brokers are encrypted with an AWS owned key.
  aws_mq_broker: { 'encryption_options.use_aws_owned_key': (v, b) => (b.engine_type === 'RabbitMQ' ? v === true : v === false) },
};

function at(body, dotted) {
  return dotted.split('.').reduce((v, k) => first(v)[k], body);
}

export const RULES = [
  {
    id: 'encryption',
    says: 'data at rest is encrypted with the environment\'s customer-managed key: RDS (storage, Performance Insights, master secret), EKS secrets, log groups, secrets, topics, images, volumes, the state bucket',
    check(config) {
      const out = [];
      for (const [type, required] of Object.entries(ENCRYPTION)) {
        for (const r of resources(config, type)) {
          for (const [attr, ok] of Object.entries(required)) if (!ok(at(r.body, attr), r.body)) out.push(`${r.file} ${r.address}: ${attr} is ${JSON.stringify(at(r.body, attr))}`);
        }
      }
      for (const m of Object.values(config)) {
        for (const t of m.terraform) {
          const s3 = first(t.body.backend)?.s3;
          if (s3 && first(s3).encrypt !== true) out.push(`${t.file}: the s3 backend does not set encrypt = true`);
        }
      }
      return out;
    },
  },
  {
    id: 'point-in-time-recovery',
    says: 'the database keeps at least 7 days of backups for point-in-time recovery, 35 in prd',
    needsEnvironments: true,
    check(config, envs) {
      const out = [];
      for (const r of resources(config, 'aws_db_instance')) {
        for (const [env, days] of Object.entries(perEnvironment(envs, r.address, 'backup_retention_period'))) {
          if (days === UNKNOWN || days === undefined || days < 7 || (env === 'prd' && days < 35)) out.push(`${r.file} ${r.address}: ${env} keeps ${String(days)} days`);
        }
      }
      return out;
    },
  },
  {
    id: 'production-resilience',
    says: 'stg and prd databases are Multi-AZ; prd is deletion-protected and leaves a final snapshot; prd\'s broker is a cluster',
    needsEnvironments: true,
    check(config, envs) {
      const out = [];
      for (const r of resources(config, 'aws_db_instance')) {
        const multiAz = perEnvironment(envs, r.address, 'multi_az');
        const protect = perEnvironment(envs, r.address, 'deletion_protection');
        const skip = perEnvironment(envs, r.address, 'skip_final_snapshot');
        for (const env of ['stg', 'prd']) if (env in multiAz && multiAz[env] !== true) out.push(`${r.file} ${r.address}: ${env} is not Multi-AZ`);
        if ('prd' in protect && protect.prd !== true) out.push(`${r.file} ${r.address}: prd has no deletion protection`);
        if ('prd' in skip && (skip.prd !== false || !set(r.body.final_snapshot_identifier))) out.push(`${r.file} ${r.address}: prd skips the final snapshot`);
      }
      for (const r of resources(config, 'aws_mq_broker')) {
        const mode = perEnvironment(envs, r.address, 'deployment_mode');
        if ('prd' in mode && mode.prd !== 'CLUSTER_MULTI_AZ') out.push(`${r.file} ${r.address}: prd runs ${String(mode.prd)}`);
      }
      return out;
    },
  },
  {
    id: 'force-ssl',
    says: 'every database uses a parameter group of the same configuration with rds.force_ssl = 1',
    check(config) {
      const out = [];
      for (const m of Object.values(config)) {
        const forcing = new Set(m.resources.filter((r) => r.type === 'aws_db_parameter_group' && (r.body.parameter ?? []).some((p) => p.name === 'rds.force_ssl' && String(p.value) === '1')).map((r) => r.name));
        for (const r of m.resources.filter((x) => x.type === 'aws_db_instance')) {
          const ref = /^\$\{aws_db_parameter_group\.([\w-]+)\.name\}$/.exec(r.body.parameter_group_name ?? '');
          if (!ref || !forcing.has(ref[1])) out.push(`${r.file} ${r.address}: parameter_group_name ${JSON.stringify(r.body.parameter_group_name)} is not a parameter group with rds.force_ssl = 1`);
        }
      }
      return out;
    },
  },
  {
    id: 'no-world-ingress',
    says: 'nothing admits 0.0.0.0/0 or ::/0: the public load balancer\'s group is made by the AWS Load Balancer Controller, and the EKS API is open only to listed ranges',
    needsEnvironments: true,
    check(config, envs) {
      const out = [];
      const world = (v) => [v].flat().some((c) => WORLD.includes(c));
      for (const r of resources(config, 'aws_vpc_security_group_ingress_rule')) if (world(r.body.cidr_ipv4) || world(r.body.cidr_ipv6)) out.push(`${r.file} ${r.address}: ingress from the world`);
      for (const r of resources(config, 'aws_security_group_rule')) if (r.body.type === 'ingress' && (world(r.body.cidr_blocks) || world(r.body.ipv6_cidr_blocks))) out.push(`${r.file} ${r.address}: ingress from the world`);
      for (const r of resources(config, 'aws_security_group')) for (const i of r.body.ingress ?? []) if (world(i.cidr_blocks) || world(i.ipv6_cidr_blocks)) out.push(`${r.file} ${r.address}: ingress from the world`);
      for (const r of resources(config, 'aws_eks_cluster')) if (world(first(r.body.vpc_config).public_access_cidrs)) out.push(`${r.file} ${r.address}: the API endpoint is open to the world`);
      // Ranges arrive as variables (cluster_public_access_cidrs): none may be the world, in any environment.
      for (const [env, list] of Object.entries(envs)) {
        for (const { dir, scope } of list) for (const [name, v] of Object.entries(scope.vars)) if (world(v)) out.push(`${dir} var.${name}: ${env} sets the world`);
      }
      return out;
    },
  },
  {
    id: 'no-wildcard-writes',
    says: 'no IAM statement allows a write action on Resource "*" (a KMS key policy\'s "*" is the key itself); policies are aws_iam_policy_document, so that this can read them',
    check(config) {
      const out = [];
      const keyPolicies = new Set(resources(config, 'aws_kms_key').map((k) => /data\.aws_iam_policy_document\.([\w-]+)\.json/.exec(k.body.policy ?? '')?.[1]).filter(Boolean));
      for (const d of all(config, 'data', 'aws_iam_policy_document')) {
        if (keyPolicies.has(d.name)) continue;
        for (const s of d.body.statement ?? []) {
          if (s.effect === 'Deny' || !Array.isArray(s.resources) || !s.resources.includes('*')) continue;
          const writes = (s.actions ?? []).filter((a) => !READ.test(a));
          if (writes.length) out.push(`${d.file} ${d.address}: ${writes.join(', ')} on "*"`);
        }
      }
      for (const type of ['aws_iam_role_policy', 'aws_iam_policy', 'aws_iam_user_policy', 'aws_iam_group_policy']) {
        for (const r of resources(config, type)) if (!/^\$\{data\.aws_iam_policy_document\.[\w-]+(\[[^\]]+\])?\.json\}$|^\$\{each\.value\.json\}$/.test(r.body.policy ?? '')) out.push(`${r.file} ${r.address}: policy is not an aws_iam_policy_document`);
      }
      return out;
    },
  },
  {
    id: 'no-region-or-account',
    says: 'no account id, region or state bucket is written in infra/: they come from TF_VAR_account_id, TF_VAR_region and -backend-config',
    check(config, envs, texts) {
      const out = [];
      for (const [file, text] of Object.entries(texts)) {
        const lines = text.split('\n');
        lines.forEach((line, i) => {
          if (REGION.test(line)) out.push(`${file}:${i + 1}: names a region: ${line.trim()}`);
          if (ACCOUNT.test(line)) out.push(`${file}:${i + 1}: names an account: ${line.trim()}`);
        });
      }
      for (const m of Object.values(config)) {
        for (const t of m.terraform) {
          const s3 = first(first(t.body.backend)?.s3);
          for (const k of ['bucket', 'region', 'kms_key_id', 'dynamodb_table']) if (k in s3) out.push(`${t.file}: the s3 backend sets ${k} (pass it with -backend-config)`);
          if (Object.keys(first(t.body.backend)).length && s3.use_lockfile !== true) out.push(`${t.file}: the s3 backend does not use_lockfile`);
        }
      }
      return out;
    },
  },
  {
    id: 'tagged',
    says: 'every AWS resource is tagged Project, Environment and ManagedBy, through each aws provider\'s default_tags',
    check(config) {
      const out = [];
      const hasAws = Object.values(config).some((m) => m.resources.some((r) => r.type.startsWith('aws_')));
      const providers = Object.values(config).flatMap((m) => m.providers.filter((p) => p.name === 'aws'));
      if (hasAws && providers.length === 0) out.push('no aws provider block with default_tags');
      for (const p of providers) {
        const tags = first(first(p.body.default_tags).tags);
        for (const k of ['Project', 'Environment', 'ManagedBy']) if (!set(tags[k])) out.push(`${p.file}: provider aws has no default tag ${k}`);
      }
      return out;
    },
  },
  {
    id: 'log-retention',
    says: 'every log group has a retention (per environment: env/<env>.tfvars log_retention_days)',
    check(config) {
      return resources(config, 'aws_cloudwatch_log_group').filter((r) => !set(r.body.retention_in_days)).map((r) => `${r.file} ${r.address}: no retention_in_days`);
    },
  },
  {
    id: 'state-bucket',
    says: 'the state bucket is versioned, encrypted with its key, and blocks every kind of public access',
    check(config) {
      const out = [];
      const buckets = resources(config, 'aws_s3_bucket');
      const refs = (type) => new Set(resources(config, type).map((r) => /aws_s3_bucket\.([\w-]+)\.(id|bucket)/.exec(r.body.bucket ?? '')?.[1]));
      const versioned = new Set(resources(config, 'aws_s3_bucket_versioning').filter((r) => first(r.body.versioning_configuration).status === 'Enabled').map((r) => /aws_s3_bucket\.([\w-]+)/.exec(r.body.bucket ?? '')?.[1]));
      const blocked = new Set(resources(config, 'aws_s3_bucket_public_access_block')
        .filter((r) => ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'].every((k) => r.body[k] === true))
        .map((r) => /aws_s3_bucket\.([\w-]+)/.exec(r.body.bucket ?? '')?.[1]));
      const encrypted = refs('aws_s3_bucket_server_side_encryption_configuration');
      for (const b of buckets) {
        if (!versioned.has(b.name)) out.push(`${b.file} ${b.address}: not versioned`);
        if (!blocked.has(b.name)) out.push(`${b.file} ${b.address}: public access not blocked`);
        if (!encrypted.has(b.name)) out.push(`${b.file} ${b.address}: no KMS encryption configuration`);
      }
      return out;
    },
  },
];
