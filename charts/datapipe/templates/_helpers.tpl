{{/* Labels of every object: name (given), part-of, component (given), and Helm's own. */}}
{{- define "datapipe.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: datapipe
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end }}

{{/* Pod labels: stable ones only, no chart version (a chart bump must not roll pods). */}}
{{- define "datapipe.podLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: datapipe
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Argo CD sync wave: namespace-level config -3, topology -2/-1, services 0, routes 1. */}}
{{- define "datapipe.wave" -}}
argocd.argoproj.io/sync-wave: {{ . | quote }}
{{- end }}

{{/* A service image: registry/repository:tag, the tag defaulting to the chart's appVersion. Never latest. */}}
{{- define "datapipe.image" -}}
{{- $tag := .svc.image.tag | default .root.Chart.AppVersion -}}
{{- if eq (toString $tag) "latest" }}{{ fail "image tag 'latest' is not allowed: set a version" }}{{ end -}}
{{- $registry := (.root.Values.platform).registry | default .root.Values.imageRegistry -}}
{{- if $registry -}}
{{ $registry }}/{{ .svc.image.repository }}:{{ $tag }}
{{- else -}}
{{ .svc.image.repository }}:{{ $tag }}
{{- end -}}
{{- end }}

{{/* The database URL: postgres.url, its host:port replaced by the platform's (platform.dbEndpoint) when given. */}}
{{- define "datapipe.postgresUrl" -}}
{{- $endpoint := (.Values.platform).dbEndpoint -}}
{{- if $endpoint -}}
{{ regexReplaceAll "^jdbc:postgresql://[^/]*" .Values.postgres.url (printf "jdbc:postgresql://%s" $endpoint) }}
{{- else -}}
{{ .Values.postgres.url }}
{{- end -}}
{{- end }}

{{/* The topology objects' way to the broker. */}}
{{- define "datapipe.rabbitmqClusterReference" -}}
rabbitmqClusterReference:
{{- if .Values.rabbitmq.cluster.create }}
  name: {{ .Values.rabbitmq.cluster.name }}
{{- else }}
  connectionSecret:
    name: {{ .Values.rabbitmq.topology.connectionSecret }}
{{- end }}
{{- end }}

{{/* DNS to the cluster resolver. */}}
{{- define "datapipe.dnsPeer" -}}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: kube-system
  podSelector:
    matchLabels:
      k8s-app: kube-dns
{{- end }}

{{/*
The message topology, written once in k8s/base/rabbitmq (laid in files/rabbitmq/ by
scripts/chart-files.sh): "<Kind>/<metadata.name>" -> the object, as YAML (fromYaml it).
*/}}
{{- define "datapipe.topology" -}}
{{- $objects := dict -}}
{{- range $path, $_ := .Files.Glob "files/rabbitmq/*.yaml" -}}
{{- $object := $.Files.Get $path | fromYaml -}}
{{- $_ := set $objects (printf "%s/%s" $object.kind $object.metadata.name) $object -}}
{{- end -}}
{{- toYaml $objects -}}
{{- end }}

{{/* A Secret the migration Job reads, made as a hook before the Job and its ServiceAccount (secrets.yaml). */}}
{{- define "datapipe.secretHook" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: "-10"
helm.sh/hook-delete-policy: before-hook-creation
{{- end }}
