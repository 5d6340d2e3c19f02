# The log groups of the environment, each with its retention and the environment's key:
# the containers' logs (Fluent Bit, argocd/platform), VPC flow logs. EKS's control plane
# and RDS make their own groups under fixed names; modules/eks and modules/database
# create those first so that they get the retention and the key too.

variable "name" {
  type = string
}

variable "kms_key_arn" {
  type = string
}

variable "retention_days" {
  type = number
}

# Every container's stdout: the services' JSON lines with trace_id, span_id and the caller.
resource "aws_cloudwatch_log_group" "application" {
  name              = "/${var.name}/application"
  retention_in_days = var.retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_cloudwatch_log_group" "flow" {
  name              = "/${var.name}/vpc-flow-logs"
  retention_in_days = var.retention_days
  kms_key_id        = var.kms_key_arn
}

output "application_log_group" {
  value = aws_cloudwatch_log_group.application.name
}

output "application_log_group_arn" {
  value = aws_cloudwatch_log_group.application.arn
}

output "flow_log_group_arn" {
  value = aws_cloudwatch_log_group.flow.arn
}
