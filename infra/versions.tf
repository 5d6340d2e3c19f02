terraform {
  # 1.10: S3 native state locking (use_lockfile). 1.11: write-only arguments, which keep
  # the generated application passwords out of the state.
  required_version = ">= 1.11.0"

  required_providers {
    # Pinned to the provider whose schema the offline checks read (infra/tests:
    # @cdktf/provider-aws 21.22.1 is generated from hashicorp/aws 6.25.0).
    aws = {
      source  = "hashicorp/aws"
      version = "6.25.0"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "3.1.1"
    }
    random = {
      source  = "hashicorp/random"
      version = "3.7.2"
    }
  }
}
