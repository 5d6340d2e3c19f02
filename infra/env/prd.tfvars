# prd: Multi-AZ everything, 35 days of point-in-time recovery, deletion protection,
# the three-node Amazon MQ cluster, alarms that page.
repository         = "https://github.com/example-org/datapipe.git"
dns_zone_id        = "Z0EXAMPLE0PRD"
host               = "datapipe.example.com"
auth_domain_prefix = "datapipe-example"

node_instance_types = ["m7i.xlarge"]
node_count          = { min = 3, desired = 4, max = 12 }

db_instance_class        = "db.m7g.large"
db_allocated_storage_gb  = 100
db_multi_az              = true
db_backup_retention_days = 35
db_deletion_protection   = true

broker               = "amazon-mq"
broker_instance_type = "mq.m7g.large"
broker_cluster       = true
external_secrets     = true

log_retention_days = 90
alarms_page        = true
