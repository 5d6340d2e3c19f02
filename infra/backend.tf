# State in S3 with native locking (no DynamoDB table). Partial configuration: bucket,
# region and kms_key_id come from `terraform init -backend-config=...` (infra/README.md),
# so that no account, region or bucket is written here. One workspace per environment
# (dev, stg, prd): each keeps its state under env:/<workspace>/datapipe.tfstate.
terraform {
  backend "s3" {
    key          = "datapipe.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
