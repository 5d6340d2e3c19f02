# dev: one of everything, small. Account and region: TF_VAR_account_id, TF_VAR_region.
repository         = "https://github.com/example-org/datapipe.git"
dns_zone_id        = "Z0EXAMPLE0DEV"
host               = "datapipe.dev.example.com"
auth_domain_prefix = "datapipe-dev-example"

single_nat_gateway  = true
node_instance_types = ["t3.large"]
node_count          = { min = 2, desired = 2, max = 4 }

db_instance_class        = "db.t4g.medium"
db_multi_az              = false
db_backup_retention_days = 7
db_deletion_protection   = false

# The RabbitMQ Cluster Operator runs the broker in the namespace (k8s/components/rabbitmq-cluster).
broker           = "in-cluster"
external_secrets = false

log_retention_days = 14
alarms_page        = false
