#!/usr/bin/env bash
# Fills charts/datapipe/files/ (git-ignored) from the single sources the Kustomize tree uses: Helm reads
# only inside the chart's folder, so `make chart` (and the chart's tests) lay these files there before
# the chart is rendered or packaged. Never edit charts/datapipe/files/: edit the source on the left.
set -euo pipefail
cd "$(dirname "$0")/.."
files=charts/datapipe/files
rm -rf "$files"
mkdir -p "$files/dashboards"
cp dashboards/*.json                                   "$files/dashboards/"
cp k8s/base/monitoring/prometheusrule.yaml             "$files/prometheusrule.yaml"
cp k8s/base/rollouts/analysistemplate.yaml             "$files/analysistemplate.yaml"
cp k8s/base/otel-collector/config.yaml                 "$files/otel-collector-config.yaml"
cp k8s/components/alerting-chat/alertmanagerconfig.yaml "$files/alertmanagerconfig-chat.yaml"
cp k8s/components/alarms/alertmanagerconfig.yaml       "$files/alertmanagerconfig-pager.yaml"
cp k8s/components/alert-inhibitions/inhibitions.yaml   "$files/alertmanagerconfig-inhibitions.yaml"
cp k8s/components/verify-images/policy.yaml            "$files/verify-images-policy.yaml"
mkdir -p "$files/migration"
cp k8s/base/persister/migration-job.yaml            "$files/migration/job.yaml"
cp k8s/base/persister/migration-networkpolicy.yaml  "$files/migration/networkpolicy.yaml"
cp k8s/base/persister/migration-serviceaccount.yaml "$files/migration/serviceaccount.yaml"
mkdir -p "$files/rabbitmq"
for object in k8s/base/rabbitmq/*.yaml; do
  [ "$(basename "$object")" = kustomization.yaml ] || cp "$object" "$files/rabbitmq/"
done
