# stg: production's shape (Multi-AZ database, Amazon MQ, External Secrets), smaller.
repository         = "https://github.com/example-org/datapipe.git"
dns_zone_id        = "Z0EXAMPLE0STG"
host               = "datapipe.stg.example.com"
auth_domain_prefix = "datapipe-stg-example"

node_instance_types = ["m7i.large"]
node_count          = { min = 3, desired = 3, max = 6 }

db_instance_class        = "db.t4g.medium"
db_multi_az              = true
db_backup_retention_days = 7
db_deletion_protection   = false

broker               = "amazon-mq"
broker_instance_type = "mq.m7g.medium"
broker_cluster       = false
external_secrets     = true

log_retention_days = 30
alarms_page        = false
