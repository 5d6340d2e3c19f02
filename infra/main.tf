# datapipe's AWS platform for one environment (the workspace: dev, stg or prd).
# What each module makes: infra/README.md. What the cluster runs on top comes from Git:
# Argo CD (modules/gitops) syncs the add-ons (argocd/platform) and the application
# (argocd/, k8s/overlays/<env>), which reads this configuration's outputs from
# k8s/overlays/<env>/platform.yaml (make platform-values ENV=<env>).

locals {
  environment = terraform.workspace
  name        = "datapipe-${local.environment}"
  # The application's namespace (k8s/overlays/<env>/namespace.yaml).
  namespace = "datapipe-${local.environment}"
}

# The workspace is the environment: refuse "default" or a typo before anything is planned.
check "workspace_is_an_environment" {
  assert {
    condition     = contains(["dev", "stg", "prd"], terraform.workspace)
    error_message = "Select the environment's workspace first: terraform workspace select dev|stg|prd."
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

module "kms" {
  source     = "./modules/kms"
  name       = local.name
  account_id = var.account_id
  region     = var.region
}

module "logs" {
  source         = "./modules/logs"
  name           = local.name
  kms_key_arn    = module.kms.key_arn
  retention_days = var.log_retention_days
}

module "network" {
  source             = "./modules/network"
  name               = local.name
  cidr               = var.vpc_cidr
  zones              = slice(data.aws_availability_zones.available.names, 0, 3)
  single_nat_gateway = var.single_nat_gateway
  region             = var.region
  flow_log_group_arn = module.logs.flow_log_group_arn
}

module "eks" {
  source                = "./modules/eks"
  name                  = local.name
  kubernetes_version    = var.cluster_version
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.private_subnet_ids
  public_access_cidrs   = var.cluster_public_access_cidrs
  admin_arns            = var.cluster_admin_arns
  viewer_arns           = var.cluster_viewer_arns
  kms_key_arn           = module.kms.key_arn
  node_instance_types   = var.node_instance_types
  node_count            = var.node_count
  control_plane_log_ttl = var.log_retention_days
}

module "secrets" {
  source       = "./modules/secrets"
  create       = var.external_secrets
  kms_key_arn  = module.kms.key_arn
  paging       = var.alarms_page
  amazon_mq    = var.broker == "amazon-mq"
  broker_admin = var.broker == "amazon-mq" ? module.broker[0].admin : null
}

# Pod Identity: each role trusts pods.eks.amazonaws.com, and the association binds it
# to exactly one namespace and service account. The names are the manifests' (a check
# in infra/tests compares them with k8s/base and argocd/platform).
module "pod_roles" {
  source       = "./modules/eks/pod-roles"
  name         = local.name
  cluster_name = module.eks.cluster_name
  account_id   = var.account_id
  region       = var.region
  vpc_id       = module.network.vpc_id
  kms_key_arn  = module.kms.key_arn
  roles = {
    otel-collector = {
      namespace       = local.namespace
      service_account = "otel-collector"
      managed_policy  = "AWSXrayWriteOnlyAccess"
      use_key         = true
    }
    external-secrets = {
      namespace       = "external-secrets"
      service_account = "external-secrets"
      read_secrets    = module.secrets.arns
    }
    fluent-bit = {
      namespace       = "logging"
      service_account = "fluent-bit"
      write_logs      = [module.logs.application_log_group_arn]
    }
    cert-manager = {
      namespace       = "cert-manager"
      service_account = "cert-manager"
      dns_zone        = var.dns_zone_id
    }
    aws-load-balancer-controller = {
      namespace       = "kube-system"
      service_account = "aws-load-balancer-controller"
      load_balancers  = true
    }
    # Image admission (stg, prd): reads the images' signatures and attestations in ECR.
    kyverno = {
      namespace       = "kyverno"
      service_account = "kyverno-admission-controller"
      managed_policy  = "AmazonEC2ContainerRegistryReadOnly"
    }
  }
}

module "database" {
  source                = "./modules/database"
  name                  = local.name
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.private_subnet_ids
  client_security_group = module.eks.node_security_group_id
  kms_key_arn           = module.kms.key_arn
  instance_class        = var.db_instance_class
  allocated_storage_gb  = var.db_allocated_storage_gb
  multi_az              = var.db_multi_az
  backup_retention_days = var.db_backup_retention_days
  deletion_protection   = var.db_deletion_protection
  log_retention_days    = var.log_retention_days
}

module "broker" {
  count                 = var.broker == "amazon-mq" ? 1 : 0
  source                = "./modules/broker"
  name                  = local.name
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.private_subnet_ids
  client_security_group = module.eks.node_security_group_id
  instance_type         = var.broker_instance_type
  cluster               = var.broker_cluster
}

module "registry" {
  source                  = "./modules/registry"
  repositories            = ["datapipe/generator", "datapipe/persister", "datapipe/web"]
  kms_key_arn             = module.kms.key_arn
  account_id              = var.account_id
  replicate_to            = var.ecr_replicate_to
  accept_replication_from = var.ecr_accept_replication_from
  github_repository       = var.repository
}

module "identity" {
  source             = "./modules/identity"
  name               = local.name
  domain_prefix      = var.auth_domain_prefix
  console_url        = "https://${var.host}/"
  deletion_protected = var.db_deletion_protection
}

module "alarms" {
  source             = "./modules/alarms"
  name               = local.name
  kms_key_arn        = module.kms.key_arn
  page               = var.alarms_page
  slack              = var.alarm_slack
  pagerduty_endpoint = var.alarm_pagerduty_endpoint
  database           = module.database.identifier
  broker             = var.broker == "amazon-mq" ? module.broker[0].name : null
  node_group_asg     = module.eks.node_autoscaling_group
}

module "gitops" {
  source      = "./modules/gitops"
  environment = local.environment
  repository  = var.repository
  revision    = var.repository_revision
  # Argo CD needs the nodes, and the add-ons need their roles, before the first sync.
  depends_on = [module.eks, module.pod_roles]
}
