{{/* Labels of every object of the release. */}}
{{- define "arangodb.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* A server group with storage: resources and a volume claim template. */}}
{{- define "arangodb.storedGroup" -}}
{{- with .Values.resources }}
resources:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumeClaimTemplate:
  spec:
    accessModes: [ReadWriteOnce]
    {{- with .Values.storage.storageClass }}
    storageClassName: {{ . | quote }}
    {{- end }}
    resources:
      requests:
        storage: {{ .Values.storage.size | quote }}
{{- end -}}
