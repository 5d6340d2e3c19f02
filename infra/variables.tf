# Everything an environment differs in is a variable, set in env/<workspace>.tfvars.
# The workspace names the environment: dev, stg or prd.

variable "account_id" {
  description = "The AWS account of this environment (one account per environment); TF_VAR_account_id, never a file in Git. Plans with other credentials fail."
  type        = string
  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id is the 12-digit AWS account id."
  }
}

variable "region" {
  description = "The AWS region of this environment; TF_VAR_region (the workflow passes the GitHub environment's AWS_REGION)."
  type        = string
}

variable "repository" {
  description = "The Git repository Argo CD syncs (https URL), also a tag on every resource."
  type        = string
}

variable "repository_revision" {
  description = "The branch or tag Argo CD follows."
  type        = string
  default     = "main"
}

variable "host" {
  description = "The public host name of the API and the console (the Gateway's listener), e.g. datapipe.dev.example.com."
  type        = string
}

variable "dns_zone_id" {
  description = "The Route 53 hosted zone that holds host: cert-manager proves the domain there (DNS-01) for the Gateway's certificate."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's address range; split into three public and three private subnets."
  type        = string
  default     = "10.40.0.0/16"
}

variable "single_nat_gateway" {
  description = "One NAT gateway for the three zones (cheaper; egress fails with that zone) instead of one per zone."
  type        = bool
  default     = false
}

variable "cluster_version" {
  description = "Kubernetes version of the EKS control plane (1.30 or later: the pods use the preStop sleep action)."
  type        = string
  default     = "1.33"
}

variable "cluster_public_access_cidrs" {
  description = "Addresses allowed to reach the EKS API endpoint from the internet. Empty: the endpoint is private only."
  type        = list(string)
  default     = []
  validation {
    condition     = !contains(var.cluster_public_access_cidrs, "0.0.0.0/0")
    error_message = "The API endpoint is never open to the whole internet: list the administrators' and CI's ranges."
  }
}

variable "cluster_admin_arns" {
  description = "IAM principals (roles) given cluster-admin through EKS access entries, e.g. the platform team's SSO role and the Terraform workflow's role."
  type        = list(string)
  default     = []
}

variable "cluster_viewer_arns" {
  description = "IAM roles that may read the argocd namespace only: the infra workflow's plan role (infra/bootstrap output plan_role_arn)."
  type        = list(string)
  default     = []
}

variable "node_instance_types" {
  description = "Instance types of the managed node group (x86_64: the images main.yml builds are amd64)."
  type        = list(string)
}

variable "node_count" {
  description = "Minimum, desired and maximum size of the managed node group."
  type        = object({ min = number, desired = number, max = number })
}

variable "db_instance_class" {
  description = "RDS instance class of the PostgreSQL database."
  type        = string
}

variable "db_allocated_storage_gb" {
  description = "Initial storage of the database, in GiB (storage autoscaling may grow it to 5 times that)."
  type        = number
  default     = 20
}

variable "db_multi_az" {
  description = "A standby in a second zone with synchronous replication and automatic failover."
  type        = bool
}

variable "db_backup_retention_days" {
  description = "Automated backups and point-in-time recovery window, in days (7 to 35)."
  type        = number
  validation {
    condition     = var.db_backup_retention_days >= 7 && var.db_backup_retention_days <= 35
    error_message = "Point-in-time recovery keeps at least 7 days (the RDS maximum is 35)."
  }
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (and take a final snapshot if it is deleted anyway)."
  type        = bool
}

variable "broker" {
  description = "Where RabbitMQ runs: amazon-mq (Amazon MQ for RabbitMQ, created here) or in-cluster (the RabbitMQ Cluster Operator, k8s/components/rabbitmq-cluster)."
  type        = string
  validation {
    condition     = contains(["amazon-mq", "in-cluster"], var.broker)
    error_message = "broker is amazon-mq or in-cluster."
  }
}

variable "broker_instance_type" {
  description = "Amazon MQ host instance type (amazon-mq only)."
  type        = string
  default     = "mq.m7g.medium"
}

variable "broker_cluster" {
  description = "Amazon MQ cluster deployment (three nodes over three zones) instead of a single instance."
  type        = bool
  default     = false
}

variable "external_secrets" {
  description = "The application's credentials live in Secrets Manager and reach the pods through External Secrets (stg, prd). dev uses the overlay's generated dev-only credentials."
  type        = bool
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group of this environment (containers, VPC flow logs, EKS control plane, RDS)."
  type        = number
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "auth_domain_prefix" {
  description = "Prefix of the Cognito hosted sign-in domain (<prefix>.auth.<region>.amazoncognito.com); unique within the region."
  type        = string
}

variable "ecr_replicate_to" {
  description = "Where images pushed to this environment's registry are replicated (the build account replicates to stg and prd)."
  type        = list(object({ region = string, registry_id = string }))
  default     = []
}

variable "ecr_accept_replication_from" {
  description = "Accounts whose registries may replicate images into this one."
  type        = list(string)
  default     = []
}

variable "alarm_slack" {
  description = "Slack workspace (team) and channel ids for the AWS-side alarms, through AWS Chatbot: the channel Alertmanager's chat receiver posts to. The workspace must be authorised once in the Chatbot console. null: no Slack delivery."
  type        = object({ team_id = string, channel_id = string })
  default     = null
}

variable "alarm_pagerduty_endpoint" {
  description = "HTTPS endpoint of the PagerDuty service's Amazon CloudWatch integration (the service Alertmanager pages). Sensitive: pass it as TF_VAR_alarm_pagerduty_endpoint, never in a tfvars file. null: alarms do not page."
  type        = string
  default     = null
  sensitive   = true
}

variable "alarms_page" {
  description = "Whether alarms of severity page go to PagerDuty (prd) or, like everything else, to the chat channel only."
  type        = bool
  default     = false
}
