# Amazon MQ for RabbitMQ 3.13 (stg, prd): private, reachable only from the cluster's
# nodes over AMQPS (5671) and HTTPS (the management API, for the Messaging Topology
# Operator). prd runs the three-node cluster deployment over three zones. Amazon MQ
# encrypts RabbitMQ brokers' storage with an AWS owned key: a customer-managed key is not
# offered for RabbitMQ (infra/README.md, "Choices").

variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "client_security_group" {
  type = string
}

variable "instance_type" {
  type = string
}

variable "cluster" {
  type = bool
}

resource "aws_security_group" "this" {
  name        = "${var.name}-rabbitmq"
  description = "AMQPS and the management API from the EKS nodes only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "from_nodes" {
  for_each                     = { amqps = 5671, management = 443 }
  security_group_id            = aws_security_group.this.id
  description                  = "${each.key} from the EKS nodes"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = var.client_security_group
}

# The broker's administrator: used only by the Messaging Topology Operator, which creates
# the generator's and persister's users. Amazon MQ takes the password in the API call,
# so it is in the (encrypted) state; it is also the secret datapipe/rabbitmq/admin.
resource "random_password" "admin" {
  length      = 32
  special     = false
  min_upper   = 1
  min_lower   = 1
  min_numeric = 1
}

resource "aws_mq_broker" "this" {
  broker_name                = var.name
  engine_type                = "RabbitMQ"
  engine_version             = "3.13"
  host_instance_type         = var.instance_type
  deployment_mode            = var.cluster ? "CLUSTER_MULTI_AZ" : "SINGLE_INSTANCE"
  subnet_ids                 = var.cluster ? var.subnet_ids : [var.subnet_ids[0]]
  security_groups            = [aws_security_group.this.id]
  publicly_accessible        = false
  auto_minor_version_upgrade = true

  encryption_options {
    use_aws_owned_key = true
  }

  # No broker logs: Amazon MQ would name their log group after the broker's id, so
  # Terraform could not give it a retention and the key first (infra/README.md).

  maintenance_window_start_time {
    day_of_week = "SUNDAY"
    time_of_day = "04:00"
    time_zone   = "UTC"
  }

  user {
    username = "datapipe-admin"
    password = random_password.admin.result
  }
}

output "name" {
  value = aws_mq_broker.this.broker_name
}

# AMQPS host name (without amqps:// and port), as DATAPIPE_RABBITMQ_HOST takes it.
output "host" {
  value = regex("^amqps://([^:]+):", aws_mq_broker.this.instances[0].endpoints[0])[0]
}

output "admin" {
  sensitive = true
  value = {
    uri      = aws_mq_broker.this.instances[0].console_url
    username = "datapipe-admin"
    password = random_password.admin.result
  }
}
