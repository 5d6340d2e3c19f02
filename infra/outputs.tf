# The platform's values the cluster side needs, once per environment. `make
# platform-values ENV=<env>` writes platform_values_file to k8s/overlays/<env>/platform.yaml,
# which the overlay (through k8s/platform), the Helm chart (-f) and the add-ons
# (argocd/platform) all read: no account, region, host or endpoint is written anywhere else.

locals {
  platform = merge(
    {
      environment = local.environment
      accountId   = var.account_id
      region      = var.region
      host        = var.host
      clusterName = module.eks.cluster_name
      vpcId       = module.network.vpc_id
      registry    = module.registry.registry
      # host:port of PostgreSQL.
      dbEndpoint = module.database.endpoint
      # The identity provider, as the services verify its tokens (libs/security).
      oidcIssuer       = module.identity.issuer
      jwksUri          = module.identity.jwks_uri
      jwtAudienceClaim = "client_id"
      jwtAudiences     = join(",", [module.identity.api_client_id, module.identity.console_client_id])
      jwtRoleClaims    = "cognito:groups"
      # The web console signs in at the hosted domain with this client (code + PKCE).
      consoleClientId = module.identity.console_client_id
      apiClientId     = module.identity.api_client_id
      authDomain      = module.identity.hosted_domain
      logGroup        = module.logs.application_log_group
      dnsZoneId       = var.dns_zone_id
      # Who signs the images (cosign keyless in .github/workflows/main.yml, on main): the
      # identity stg/prd admission requires (k8s/components/verify-images).
      signingIdentity = "${trimsuffix(var.repository, ".git")}/.github/workflows/main.yml@refs/heads/main"
    },
    # Amazon MQ's AMQPS host; without it the overlay runs its own broker.
    var.broker == "amazon-mq" ? { brokerHost = module.broker[0].host } : {},
  )
}

output "platform" {
  description = "The platform's values for the cluster side (see platform_values_file)."
  value       = local.platform
}

output "platform_values_file" {
  description = "k8s/overlays/<env>/platform.yaml: a Kustomize local-config object that is also a Helm values file."
  value = join("", [
    "# Written by `make platform-values ENV=${local.environment}` from Terraform's outputs (infra/). Do not edit:\n",
    "# change infra/ and apply. Read by the overlay (k8s/platform), charts/datapipe and argocd/platform.\n",
    yamlencode({
      apiVersion = "datapipe.io/v1"
      kind       = "PlatformValues"
      metadata = {
        name        = "platform"
        annotations = { "config.kubernetes.io/local-config" = "true" }
      }
      platform = local.platform
    }),
  ])
}

output "database_master_secret_arn" {
  description = "Secrets Manager secret of the RDS master user (managed and rotated by RDS), for creating the application's roles."
  value       = module.database.master_user_secret_arn
}

output "image_push_role_arn" {
  description = "The role main.yml assumes to push images (repository variable AWS_ROLE_ARN)."
  value       = module.registry.push_role_arn
}

output "pod_roles" {
  description = "namespace, service account and IAM role of each workload that calls AWS."
  value       = module.pod_roles.roles
}

output "oidc_issuer" {
  description = "The identity provider's issuer (iss of its tokens)."
  value       = module.identity.issuer
}

output "jwks_uri" {
  description = "Where the identity provider publishes its signing keys."
  value       = module.identity.jwks_uri
}
