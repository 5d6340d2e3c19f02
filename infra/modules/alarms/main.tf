# The alarms only AWS can raise: the database's storage, CPU and write-ahead log, the
# broker's memory and disk alarms, and the nodes' status checks. They are CloudWatch
# alarms, not Prometheus rules, because they must fire when the cluster (and the
# Alertmanager in it) is what is down. They reach the people Alertmanager reaches, split
# the same way: severity page -> the page topic (PagerDuty, and the chat channel), every
# other -> the chat topic (the chat channel through AWS Chatbot). Never e-mail.

variable "name" {
  type = string
}

variable "kms_key_arn" {
  type = string
}

variable "page" {
  type = bool
}

variable "slack" {
  type    = object({ team_id = string, channel_id = string })
  default = null
}

variable "pagerduty_endpoint" {
  type      = string
  default   = null
  sensitive = true
}

variable "database" {
  type = string
}

variable "broker" {
  type    = string
  default = null
}

# The Auto Scaling group of the managed node group.
variable "node_group_asg" {
  type = string
}

data "aws_partition" "current" {}

resource "aws_sns_topic" "this" {
  for_each          = toset(["page", "chat"])
  name              = "${var.name}-alarms-${each.key}"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "pagerduty" {
  count                  = var.page ? 1 : 0
  topic_arn              = aws_sns_topic.this["page"].arn
  protocol               = "https"
  endpoint               = var.pagerduty_endpoint
  endpoint_auto_confirms = true
}

data "aws_iam_policy_document" "chatbot_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["chatbot.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "chatbot" {
  count              = var.slack != null ? 1 : 0
  name               = "${var.name}-chatbot"
  assume_role_policy = data.aws_iam_policy_document.chatbot_trust.json
}

resource "aws_chatbot_slack_channel_configuration" "this" {
  count                 = var.slack != null ? 1 : 0
  configuration_name    = "${var.name}-alarms"
  iam_role_arn          = aws_iam_role.chatbot[0].arn
  slack_team_id         = var.slack.team_id
  slack_channel_id      = var.slack.channel_id
  sns_topic_arns        = [for t in aws_sns_topic.this : t.arn]
  guardrail_policy_arns = ["arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"]
  logging_level         = "ERROR"
}

locals {
  # Where an alarm of each severity goes: prd pages, the other environments chat.
  topic = {
    page   = aws_sns_topic.this[var.page ? "page" : "chat"].arn
    ticket = aws_sns_topic.this["chat"].arn
  }

  database_alarms = {
    RdsStorageLow = {
      metric   = "FreeStorageSpace", statistic = "Minimum", operator = "LessThanThreshold", threshold = 5 * 1024 * 1024 * 1024
      severity = "page", description = "Less than 5 GiB free on the database's storage (storage autoscaling has reached its maximum, or cannot keep up)."
    }
    RdsCpuHigh = {
      metric   = "CPUUtilization", statistic = "Average", operator = "GreaterThanThreshold", threshold = 80
      severity = "ticket", description = "The database's CPU has been above 80 % for 15 minutes."
    }
    RdsWalPilingUp = {
      metric   = "TransactionLogsDiskUsage", statistic = "Maximum", operator = "GreaterThanThreshold", threshold = 2 * 1024 * 1024 * 1024
      severity = "ticket", description = "Over 2 GiB of write-ahead log kept: a replication slot or the standby is not keeping up."
    }
  }

  broker_alarms = var.broker == null ? {} : {
    AmazonMqMemoryAlarm = {
      metric      = "RabbitMQMemUsed", limit = "RabbitMQMemLimit", threshold = 0.8
      description = "The broker uses over 80 % of its memory high watermark: at 100 % RabbitMQ blocks every publisher."
    }
    AmazonMqDiskAlarm = {
      metric      = "RabbitMQDiskFreeLimit", limit = "RabbitMQDiskFree", threshold = 0.5
      description = "The broker's free disk is within twice its free-disk limit: at the limit RabbitMQ blocks every publisher."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "database" {
  for_each            = local.database_alarms
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "${each.value.description} Runbook: docs/runbooks.md#${lower(each.key)}"
  namespace           = "AWS/RDS"
  metric_name         = each.value.metric
  dimensions          = { DBInstanceIdentifier = var.database }
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 3
  comparison_operator = each.value.operator
  threshold           = each.value.threshold
  treat_missing_data  = "breaching"
  alarm_actions       = [local.topic[each.value.severity]]
  ok_actions          = [local.topic[each.value.severity]]
  tags                = { Severity = each.value.severity }
}

# Used over limit, as a ratio: RabbitMQ blocks publishers when it reaches 1.
resource "aws_cloudwatch_metric_alarm" "broker" {
  for_each            = local.broker_alarms
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "${each.value.description} Runbook: docs/runbooks.md#${lower(each.key)}"
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  evaluation_periods  = 3
  treat_missing_data  = "breaching"
  alarm_actions       = [local.topic.page]
  ok_actions          = [local.topic.page]
  tags                = { Severity = "page" }

  metric_query {
    id          = "ratio"
    expression  = "used / limit"
    label       = "${each.value.metric} / ${each.value.limit}"
    return_data = true
  }

  metric_query {
    id = "used"
    metric {
      namespace   = "AWS/AmazonMQ"
      metric_name = each.value.metric
      dimensions  = { Broker = var.broker }
      period      = 300
      stat        = "Maximum"
    }
  }

  metric_query {
    id = "limit"
    metric {
      namespace   = "AWS/AmazonMQ"
      metric_name = each.value.limit
      dimensions  = { Broker = var.broker }
      period      = 300
      stat        = "Minimum"
    }
  }
}

# A node failing its EC2 status checks (hardware, network, the kernel): the cluster's
# own view of it (kube-state-metrics) may be gone with it.
resource "aws_cloudwatch_metric_alarm" "nodes" {
  alarm_name          = "${var.name}-NodeStatusCheckFailed"
  alarm_description   = "A node of the EKS node group fails its EC2 status checks. Runbook: docs/runbooks.md#nodestatuscheckfailed"
  namespace           = "AWS/EC2"
  metric_name         = "StatusCheckFailed"
  dimensions          = { AutoScalingGroupName = var.node_group_asg }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic.page]
  ok_actions          = [local.topic.page]
  tags                = { Severity = "page" }
}
