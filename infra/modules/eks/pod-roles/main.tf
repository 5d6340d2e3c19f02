# One IAM role per workload that calls AWS, bound by EKS Pod Identity to exactly one
# namespace and service account. Each role gets only what its workload does:
#   managed_policy  - an AWS managed policy by name (the collector: AWSXrayWriteOnlyAccess)
#   use_key         - encrypt with the environment's key (X-Ray keeps traces under it)
#   read_secrets    - GetSecretValue on these secret ARNs only (External Secrets)
#   write_logs      - put events into these log groups only (Fluent Bit)
#   dns_zone        - change records of this Route 53 zone (cert-manager's DNS-01)
#   load_balancers  - manage load balancers, target groups and their security groups in
#                     this VPC (the AWS Load Balancer Controller)

variable "name" {
  type = string
}

variable "cluster_name" {
  type = string
}

variable "account_id" {
  type = string
}

variable "region" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "kms_key_arn" {
  type = string
}

variable "roles" {
  type = map(object({
    namespace       = string
    service_account = string
    managed_policy  = optional(string)
    use_key         = optional(bool, false)
    read_secrets    = optional(list(string), [])
    write_logs      = optional(list(string), [])
    dns_zone        = optional(string)
    load_balancers  = optional(bool, false)
  }))
}

data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  arn       = "arn:${local.partition}"
  elb       = "${local.arn}:elasticloadbalancing:${var.region}:${var.account_id}"
  ec2       = "${local.arn}:ec2:${var.region}:${var.account_id}"
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each           = var.roles
  name               = "${var.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

resource "aws_eks_pod_identity_association" "this" {
  for_each        = var.roles
  cluster_name    = var.cluster_name
  namespace       = each.value.namespace
  service_account = each.value.service_account
  role_arn        = aws_iam_role.this[each.key].arn
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each   = { for k, r in var.roles : k => r if r.managed_policy != null }
  role       = aws_iam_role.this[each.key].name
  policy_arn = "${local.arn}:iam::aws:policy/${each.value.managed_policy}"
}

data "aws_iam_policy_document" "use_key" {
  for_each = { for k, r in var.roles : k => r if r.use_key }
  statement {
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "use_key" {
  for_each = data.aws_iam_policy_document.use_key
  name     = "environment-key"
  role     = aws_iam_role.this[each.key].id
  policy   = each.value.json
}

data "aws_iam_policy_document" "read_secrets" {
  for_each = { for k, r in var.roles : k => r if length(r.read_secrets) > 0 }
  statement {
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = each.value.read_secrets
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "read_secrets" {
  for_each = data.aws_iam_policy_document.read_secrets
  name     = "read-secrets"
  role     = aws_iam_role.this[each.key].id
  policy   = each.value.json
}

data "aws_iam_policy_document" "write_logs" {
  for_each = { for k, r in var.roles : k => r if length(r.write_logs) > 0 }
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [for g in each.value.write_logs : "${g}:*"]
  }
}

resource "aws_iam_role_policy" "write_logs" {
  for_each = data.aws_iam_policy_document.write_logs
  name     = "write-logs"
  role     = aws_iam_role.this[each.key].id
  policy   = each.value.json
}

data "aws_iam_policy_document" "dns_zone" {
  for_each = { for k, r in var.roles : k => r if r.dns_zone != null }
  statement {
    actions   = ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"]
    resources = ["${local.arn}:route53:::hostedzone/${each.value.dns_zone}"]
  }
  statement {
    actions   = ["route53:GetChange"]
    resources = ["${local.arn}:route53:::change/*"]
  }
  statement {
    actions   = ["route53:ListHostedZonesByName"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "dns_zone" {
  for_each = data.aws_iam_policy_document.dns_zone
  name     = "dns-zone"
  role     = aws_iam_role.this[each.key].id
  policy   = each.value.json
}

# The AWS Load Balancer Controller's permissions, narrowed to this account, region and
# VPC, and to the load balancers it tags as its own (elbv2.k8s.aws/cluster).
data "aws_iam_policy_document" "load_balancers" {
  for_each = { for k, r in var.roles : k => r if r.load_balancers }

  statement {
    sid       = "ServiceLinkedRole"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["${local.arn}:iam::${var.account_id}:role/aws-service-role/elasticloadbalancing.amazonaws.com/*"]
    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["elasticloadbalancing.amazonaws.com"]
    }
  }

  statement {
    sid = "Read"
    actions = [
      "ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones", "ec2:DescribeInternetGateways",
      "ec2:DescribeVpcs", "ec2:DescribeVpcPeeringConnections", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
      "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "ec2:DescribeTags", "ec2:DescribeCoipPools",
      "ec2:GetCoipPoolUsage", "ec2:DescribeRouteTables", "ec2:GetSecurityGroupsForVpc", "ec2:DescribeIpamPools",
      "elasticloadbalancing:Describe*", "acm:ListCertificates", "acm:DescribeCertificate",
      "iam:ListServerCertificates", "iam:GetServerCertificate", "shield:GetSubscriptionState",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "SecurityGroupsInTheVpc"
    actions   = ["ec2:CreateSecurityGroup"]
    resources = ["${local.ec2}:security-group/*", "${local.ec2}:vpc/${var.vpc_id}"]
  }

  statement {
    sid       = "TagNewSecurityGroups"
    actions   = ["ec2:CreateTags"]
    resources = ["${local.ec2}:security-group/*"]
    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["CreateSecurityGroup"]
    }
  }

  statement {
    sid       = "OwnSecurityGroups"
    actions   = ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup", "ec2:CreateTags", "ec2:DeleteTags"]
    resources = ["${local.ec2}:security-group/*"]
    condition {
      test     = "StringEquals"
      variable = "ec2:Vpc"
      values   = ["${local.ec2}:vpc/${var.vpc_id}"]
    }
  }

  statement {
    sid = "LoadBalancers"
    actions = [
      "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule",
      "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetIpAddressType", "elasticloadbalancing:SetSecurityGroups",
      "elasticloadbalancing:SetSubnets", "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
      "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:ModifyListenerAttributes", "elasticloadbalancing:ModifyRule", "elasticloadbalancing:AddTags",
      "elasticloadbalancing:RemoveTags", "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
      "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
    ]
    resources = [
      "${local.elb}:loadbalancer/net/*/*", "${local.elb}:loadbalancer/app/*/*", "${local.elb}:targetgroup/*/*",
      "${local.elb}:listener/net/*/*/*", "${local.elb}:listener/app/*/*/*",
      "${local.elb}:listener-rule/net/*/*/*", "${local.elb}:listener-rule/app/*/*/*",
    ]
  }
}

resource "aws_iam_role_policy" "load_balancers" {
  for_each = data.aws_iam_policy_document.load_balancers
  name     = "load-balancers"
  role     = aws_iam_role.this[each.key].id
  policy   = each.value.json
}

# namespace/service-account -> role ARN, for the outputs and the checks.
output "roles" {
  value = { for k, r in var.roles : k => { namespace = r.namespace, service_account = r.service_account, role_arn = aws_iam_role.this[k].arn } }
}
