{{/* Labels of every object. */}}
{{- define "cluster-issuers.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.Version | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The ACME account key Secret of an issuer. */}}
{{- define "cluster-issuers.acmeAccount" -}}
{{- printf "%s-account" .Values.issuer -}}
{{- end -}}
