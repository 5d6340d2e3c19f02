provider "aws" {
  region = var.region
  # A plan run with another account's credentials fails instead of creating anything there.
  allowed_account_ids = [var.account_id]

  # Every resource is tagged: the checks in infra/tests rely on this block.
  default_tags {
    tags = {
      Project     = "datapipe"
      Environment = local.environment
      ManagedBy   = "terraform"
      Repository  = var.repository
    }
  }
}

# Argo CD is installed into the cluster this configuration creates; the token comes from
# the AWS CLI of whoever (or whichever workflow) runs Terraform.
provider "helm" {
  kubernetes = {
    host                   = module.eks.endpoint
    cluster_ca_certificate = base64decode(module.eks.certificate_authority)
    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", module.eks.cluster_name, "--region", var.region]
    }
  }
}
