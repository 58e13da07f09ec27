{{/* Labels of every object of the release. */}}
{{- define "clickhouse.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* A volume claim spec of the given size, in the configured StorageClass if any. */}}
{{- define "clickhouse.claim" -}}
accessModes: [ReadWriteOnce]
{{- with .root.Values.storage.storageClass }}
storageClassName: {{ . | quote }}
{{- end }}
resources:
  requests:
    storage: {{ .size | quote }}
{{- end -}}
