# Argo CD, installed once by Terraform; everything after it comes from Git. Its one root
# Application syncs argocd/platform (a chart of Applications: the cluster add-ons and the
# datapipe ApplicationSet narrowed to this environment), with this environment's
# platform values (k8s/overlays/<env>/platform.yaml, written by make platform-values).

variable "environment" {
  type = string
}

variable "repository" {
  type = string
}

variable "revision" {
  type = string
}

locals {
  root = {
    apiVersion = "argoproj.io/v1alpha1"
    kind       = "Application"
    metadata = {
      name       = "platform"
      namespace  = "argocd"
      finalizers = ["resources-finalizer.argocd.argoproj.io"]
    }
    spec = {
      project = "default"
      source = {
        repoURL        = var.repository
        targetRevision = var.revision
        path           = "argocd/platform"
        helm = {
          valueFiles = ["../../k8s/overlays/${var.environment}/platform.yaml"]
          # The Applications it renders sync the same repository and revision.
          valuesObject = { repository = { url = var.repository, revision = var.revision } }
        }
      }
      destination = { server = "https://kubernetes.default.svc", namespace = "argocd" }
      syncPolicy = {
        automated   = { prune = true, selfHeal = true }
        syncOptions = ["ServerSideApply=true"]
      }
    }
  }
}

resource "helm_release" "argocd" {
  name             = "argocd"
  namespace        = "argocd"
  create_namespace = true
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = "9.1.4"
  atomic           = true
  timeout          = 900

  values = [yamlencode({
    global = { domain = "" }
    configs = {
      params = { "server.insecure" = false }
      cm     = { "application.resourceTrackingMethod" = "annotation" }
    }
    # Triggers, templates and the webhook that start the smoke test after a healthy sync.
    notifications = merge({ enabled = true }, yamldecode(file("${path.module}/../../../argocd/notifications.yaml")))
    extraObjects  = [local.root]
  })]
}
