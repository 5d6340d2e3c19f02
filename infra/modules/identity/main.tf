# The identity provider: a Cognito user pool. Tokens are RS256 JWTs signed with the
# pool's keys (JWKS at <issuer>/.well-known/jwks.json); `sub` is the user's id; the
# roles are Cognito groups, which reach the services in the `cognito:groups` claim.
# Access tokens name their app client in `client_id` and carry no `aud`: the services
# check `client_id` against both clients' ids (outputs jwt_role_claims, jwt_audience_claim,
# jwt_audiences; libs/security's datapipe.jwt.audience-claim and role-claims).

variable "name" {
  type = string
}

variable "domain_prefix" {
  type = string
}

variable "console_url" {
  type = string
}

variable "deletion_protected" {
  type = bool
}

data "aws_region" "current" {}

resource "aws_cognito_user_pool" "this" {
  name                = var.name
  deletion_protection = var.deletion_protected ? "ACTIVE" : "INACTIVE"
  username_attributes = ["email"]
  mfa_configuration   = "OPTIONAL"

  auto_verified_attributes = ["email"]

  # Users are invited by an administrator (who also puts them in groups); no self sign-up.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length                   = 14
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }
}

# The roles of the HTTP contract.
resource "aws_cognito_user_group" "role" {
  for_each     = { "data.read" = "GET /data", "data.write" = "POST /data", "data.admin" = "the persister's dead-letter administration" }
  name         = each.key
  description  = "datapipe role ${each.key}: ${each.value}"
  user_pool_id = aws_cognito_user_pool.this.id
}

# Hosted sign-in for the console: https://<prefix>.auth.<region>.amazoncognito.com
resource "aws_cognito_user_pool_domain" "this" {
  domain       = var.domain_prefix
  user_pool_id = aws_cognito_user_pool.this.id
}

locals {
  token_validity = {
    access_token_validity  = 60
    id_token_validity      = 60
    refresh_token_validity = 720
  }
}

# Programs and the smoke test: users sign in with SRP (no password on the wire) and
# refresh; no hosted UI, no client secret to leak from a CLI.
resource "aws_cognito_user_pool_client" "api" {
  name                          = "${var.name}-api"
  user_pool_id                  = aws_cognito_user_pool.this.id
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  access_token_validity         = local.token_validity.access_token_validity
  id_token_validity             = local.token_validity.id_token_validity
  refresh_token_validity        = local.token_validity.refresh_token_validity
  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "minutes"
  }
}

# The web console served at web's `/`: a public client (no secret in a browser) using
# the authorization code flow with PKCE, returning to the console's own origin.
resource "aws_cognito_user_pool_client" "console" {
  name                                 = "${var.name}-console"
  user_pool_id                         = aws_cognito_user_pool.this.id
  generate_secret                      = false
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email", "profile"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = [var.console_url]
  logout_urls                          = [var.console_url]
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true
  access_token_validity                = local.token_validity.access_token_validity
  id_token_validity                    = local.token_validity.id_token_validity
  refresh_token_validity               = local.token_validity.refresh_token_validity
  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "minutes"
  }
}

locals {
  issuer = "https://cognito-idp.${data.aws_region.current.region}.amazonaws.com/${aws_cognito_user_pool.this.id}"
}

output "issuer" {
  value = local.issuer
}

output "jwks_uri" {
  value = "${local.issuer}/.well-known/jwks.json"
}

output "user_pool_id" {
  value = aws_cognito_user_pool.this.id
}

output "api_client_id" {
  value = aws_cognito_user_pool_client.api.id
}

output "console_client_id" {
  value = aws_cognito_user_pool_client.console.id
}

output "hosted_domain" {
  value = "https://${aws_cognito_user_pool_domain.this.domain}.auth.${data.aws_region.current.region}.amazoncognito.com"
}
