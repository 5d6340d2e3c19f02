# The application's credentials in Secrets Manager (stg, prd), read by External Secrets
# (k8s/components/external-secrets) with the external-secrets role, which may read these
# ARNs and nothing else. The database and broker passwords are generated here and written
# with write-only arguments: they never enter Terraform's state or plan. The alerting
# secrets are created empty: their values come from PagerDuty and Slack (infra/README.md).

variable "create" {
  type = bool
}

variable "kms_key_arn" {
  type = string
}

# Whether alerts page (prd): only then is there a PagerDuty routing key to keep.
variable "paging" {
  type = bool
}

variable "amazon_mq" {
  type = bool
}

# Amazon MQ's administrator (uri, username, password), or null without Amazon MQ.
variable "broker_admin" {
  type      = object({ uri = string, username = string, password = string })
  default   = null
  sensitive = true
}

locals {
  # secret name => login name; the database roles are created with these names (README).
  generated = var.create ? merge(
    {
      "datapipe/db/persister" = "datapipe_owner"
      "datapipe/db/web"       = "datapipe_reader"
      "datapipe/db/monitor"   = "datapipe_monitor"
    },
    var.amazon_mq ? {
      "datapipe/rabbitmq/generator" = "generator"
      "datapipe/rabbitmq/persister" = "persister"
    } : {}
  ) : {}
  filled_elsewhere = var.create ? concat(["datapipe/alerting/chat"], var.paging ? ["datapipe/alerting/pagerduty"] : []) : []
  broker_admin     = var.create && var.amazon_mq ? ["datapipe/rabbitmq/admin"] : []
}

resource "aws_secretsmanager_secret" "generated" {
  for_each                = local.generated
  name                    = each.key
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 30
}

ephemeral "random_password" "generated" {
  for_each    = local.generated
  length      = 32
  special     = false
  min_upper   = 1
  min_lower   = 1
  min_numeric = 1
}

resource "aws_secretsmanager_secret_version" "generated" {
  for_each                 = local.generated
  secret_id                = aws_secretsmanager_secret.generated[each.key].id
  secret_string_wo         = jsonencode({ username = each.value, password = ephemeral.random_password.generated[each.key].result })
  secret_string_wo_version = 1
}

resource "aws_secretsmanager_secret" "broker_admin" {
  for_each                = toset(local.broker_admin)
  name                    = each.value
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 30
}

resource "aws_secretsmanager_secret_version" "broker_admin" {
  for_each                 = toset(local.broker_admin)
  secret_id                = aws_secretsmanager_secret.broker_admin[each.key].id
  secret_string_wo         = jsonencode(var.broker_admin)
  secret_string_wo_version = 1
}

resource "aws_secretsmanager_secret" "filled_elsewhere" {
  for_each                = toset(local.filled_elsewhere)
  name                    = each.value
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 30
}

output "arns" {
  value = concat(
    [for s in aws_secretsmanager_secret.generated : s.arn],
    [for s in aws_secretsmanager_secret.broker_admin : s.arn],
    [for s in aws_secretsmanager_secret.filled_elsewhere : s.arn],
  )
}
