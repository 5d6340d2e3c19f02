# ECR repositories of the three images: immutable tags (a version is built once), scanned
# on push, encrypted with the environment's key, old images expired. The build account
# (dev) replicates every pushed image to the stg and prd registries, so a promotion only
# changes a tag in Git. The role main.yml assumes to push is here too.

variable "repositories" {
  type = list(string)
}

variable "kms_key_arn" {
  type = string
}

variable "account_id" {
  type = string
}

variable "replicate_to" {
  type = list(object({ region = string, registry_id = string }))
}

variable "accept_replication_from" {
  type = list(string)
}

variable "github_repository" {
  type = string
}

data "aws_partition" "current" {}
data "aws_region" "current" {}

resource "aws_ecr_repository" "this" {
  for_each             = toset(var.repositories)
  name                 = each.value
  image_tag_mutability = "IMMUTABLE_WITH_EXCLUSION"
  # A version tag is written once. cosign's signature and attestation tags
  # (sha256-<digest>.sig/.att) grow as each is added: the signed digest, not the tag, is
  # what they vouch for, and admission verifies each signature in them.
  image_tag_mutability_exclusion_filter {
    filter      = "sha256-*"
    filter_type = "WILDCARD"
  }

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
}

# Keep the last 100 released versions; drop untagged layers (failed pushes) after a week.
resource "aws_ecr_lifecycle_policy" "this" {
  for_each   = aws_ecr_repository.this
  repository = each.value.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "untagged images after 7 days"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "keep the newest 100 versions"
        selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 100 }
        action       = { type = "expire" }
      },
    ]
  })
}

resource "aws_ecr_replication_configuration" "this" {
  count = length(var.replicate_to) > 0 ? 1 : 0
  replication_configuration {
    rule {
      dynamic "destination" {
        for_each = var.replicate_to
        content {
          region      = destination.value.region
          registry_id = destination.value.registry_id
        }
      }
      repository_filter {
        filter      = "datapipe/"
        filter_type = "PREFIX_MATCH"
      }
    }
  }
}

data "aws_iam_policy_document" "accept_replication" {
  count = length(var.accept_replication_from) > 0 ? 1 : 0
  statement {
    sid       = "ReplicationFromTheBuildAccount"
    actions   = ["ecr:CreateRepository", "ecr:ReplicateImage"]
    resources = ["arn:${data.aws_partition.current.partition}:ecr:${data.aws_region.current.region}:${var.account_id}:repository/datapipe/*"]
    principals {
      type        = "AWS"
      identifiers = [for a in var.accept_replication_from : "arn:${data.aws_partition.current.partition}:iam::${a}:root"]
    }
  }
}

resource "aws_ecr_registry_policy" "this" {
  count  = length(var.accept_replication_from) > 0 ? 1 : 0
  policy = data.aws_iam_policy_document.accept_replication[0].json
}

# main.yml (push to main only) pushes the images; promote.yml checks that they exist.
data "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
}

data "aws_iam_policy_document" "push_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [data.aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${local.github_slug}:ref:refs/heads/main", "repo:${local.github_slug}:environment:*"]
    }
  }
}

locals {
  # https://github.com/<owner>/<name>(.git) -> <owner>/<name>
  github_slug = trimsuffix(replace(var.github_repository, "https://github.com/", ""), ".git")
}

data "aws_iam_policy_document" "push" {
  statement {
    sid       = "Login"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid = "PushAndDescribe"
    actions = [
      "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
      "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer",
    ]
    resources = [for r in aws_ecr_repository.this : r.arn]
  }
  statement {
    sid       = "EnvironmentKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role" "push" {
  name               = "datapipe-image-push"
  assume_role_policy = data.aws_iam_policy_document.push_trust.json
}

resource "aws_iam_role_policy" "push" {
  name   = "push-images"
  role   = aws_iam_role.push.id
  policy = data.aws_iam_policy_document.push.json
}

output "registry" {
  value = split("/", aws_ecr_repository.this[var.repositories[0]].repository_url)[0]
}

output "push_role_arn" {
  value = aws_iam_role.push.arn
}
