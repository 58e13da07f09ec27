{{/* Resource name: the Helm release, which is the unit name. */}}
{{- define "app.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the unit's pods; stable across releases. */}}
{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Every label of the unit. */}}
{{- define "app.labels" -}}
{{ include "app.selectorLabels" . }}
app.kubernetes.io/version: {{ required "release is required: playbooks/apps.yml sets it from the validated release bundle" .Values.release | quote }}
app.kubernetes.io/part-of: {{ .Values.partOf }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The image, only ever from values: there is no default and no tag in any template. */}}
{{- define "app.image" -}}
{{- required "image.reference is required: playbooks/apps.yml sets it from the validated release bundle" .Values.image.reference -}}
{{- end -}}
