{{/* Sync-wave annotation. */}}
{{- define "platform.wave" -}}
argocd.argoproj.io/sync-wave: {{ . | quote }}
{{- end }}
