{{/* Names of the release's objects: <release>-<part>. */}}
{{- define "openpanel.name" -}}
{{- printf "%s-%s" .root.Release.Name .part | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select one part's pods; stable across upgrades. */}}
{{- define "openpanel.selectorLabels" -}}
app.kubernetes.io/name: openpanel
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .part }}
{{- end -}}

{{/* Every label of one part. */}}
{{- define "openpanel.labels" -}}
{{ include "openpanel.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: openpanel
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* An image reference from values: repository@digest, else repository:tag. */}}
{{- define "openpanel.image" -}}
{{- if .digest -}}
{{- printf "%s@%s" .repository .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository (required "images.*.tag or images.*.digest is required" .tag) -}}
{{- end -}}
{{- end -}}

{{/* The public URL: externalUrl, else https://<ingress.host>. */}}
{{- define "openpanel.url" -}}
{{- if .Values.externalUrl -}}
{{- .Values.externalUrl | trimSuffix "/" -}}
{{- else -}}
{{- printf "https://%s" (required "ingress.host is required (or externalUrl)" .Values.ingress.host) -}}
{{- end -}}
{{- end -}}

{{/* Hardening shared by every container: no privilege escalation, no capabilities. */}}
{{- define "openpanel.containerSecurity" -}}
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: [ALL]
{{- end -}}

{{/*
Environment of the API, worker and dashboard. Credentials only by reference:
the database URL from CloudNativePG's app Secret; the ClickHouse and Redis URLs
are assembled by the kubelet from the Secret's passwords ($(VAR) expansion).
*/}}
{{- define "openpanel.env" -}}
- name: NODE_ENV
  value: production
- name: SELF_HOSTED
  value: "true"
- name: NEXT_PUBLIC_SELF_HOSTED
  value: "true"
- name: API_URL
  value: {{ printf "%s/api" (include "openpanel.url" .) | quote }}
- name: NEXT_PUBLIC_API_URL
  value: {{ printf "%s/api" (include "openpanel.url" .) | quote }}
- name: DASHBOARD_URL
  value: {{ include "openpanel.url" . | quote }}
- name: NEXT_PUBLIC_DASHBOARD_URL
  value: {{ include "openpanel.url" . | quote }}
- name: ALLOW_REGISTRATION
  value: {{ .Values.allowRegistration | toString | quote }}
- name: ALLOW_INVITATION
  value: {{ .Values.allowInvitation | toString | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "openpanel.databaseSecret" . }}
      key: uri
- name: DATABASE_URL_DIRECT
  valueFrom:
    secretKeyRef:
      name: {{ include "openpanel.databaseSecret" . }}
      key: uri
- name: COOKIE_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.existingSecret }}
      key: cookie-secret
- name: OPENPANEL_CLICKHOUSE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.existingSecret }}
      key: clickhouse-password
- name: OPENPANEL_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.existingSecret }}
      key: redis-password
- name: CLICKHOUSE_URL
  value: {{ printf "http://%s:$(OPENPANEL_CLICKHOUSE_PASSWORD)@%s:8123/%s" .Values.clickhouse.user (include "openpanel.name" (dict "root" . "part" "clickhouse")) .Values.clickhouse.database | quote }}
- name: REDIS_URL
  value: {{ printf "redis://%s:$(OPENPANEL_REDIS_PASSWORD)@%s:%d/%d" .Values.redis.username .Values.redis.host (int .Values.redis.port) (int .Values.redis.db) | quote }}
{{- end -}}

{{/* A Deployment and its Service for one of api, dashboard, worker. */}}
{{- define "openpanel.workload" -}}
{{- $root := .root -}}
{{- $part := .part -}}
{{- $spec := index $root.Values $part -}}
{{- $ctx := dict "root" $root "part" $part -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "openpanel.name" $ctx }}
  labels:
    {{- include "openpanel.labels" $ctx | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "openpanel.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: http
      port: 3000
      targetPort: http
      protocol: TCP
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "openpanel.name" $ctx }}
  labels:
    {{- include "openpanel.labels" $ctx | nindent 4 }}
spec:
  replicas: {{ $spec.replicas }}
  selector:
    matchLabels:
      {{- include "openpanel.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "openpanel.labels" $ctx | nindent 8 }}
    spec:
      serviceAccountName: {{ include "openpanel.name" (dict "root" $root "part" "app") }}
      automountServiceAccountToken: false
      securityContext:
        seccompProfile:
          type: RuntimeDefault
      {{- if eq $part "api" }}
      # Database and ClickHouse migrations, before the API serves (as upstream's compose does).
      initContainers:
        - name: migrate
          image: {{ include "openpanel.image" $root.Values.images.api }}
          imagePullPolicy: {{ $root.Values.imagePullPolicy }}
          command: [sh, -c, "CI=true pnpm -r run migrate:deploy"]
          env:
            {{- include "openpanel.env" $root | nindent 12 }}
          securityContext:
            {{- include "openpanel.containerSecurity" $root | nindent 12 }}
          resources:
            {{- toYaml $spec.resources | nindent 12 }}
      {{- end }}
      containers:
        - name: {{ $part }}
          image: {{ include "openpanel.image" (index $root.Values.images $part) }}
          imagePullPolicy: {{ $root.Values.imagePullPolicy }}
          env:
            {{- include "openpanel.env" $root | nindent 12 }}
            - name: {{ ternary "WORKER_PORT" "API_PORT" (eq $part "worker") }}
              value: "3000"
            - name: PORT
              value: "3000"
          ports:
            - name: http
              containerPort: 3000
              protocol: TCP
          {{- $path := ternary "/api/healthcheck" "/healthcheck" (eq $part "dashboard") }}
          startupProbe:
            httpGet: {path: {{ $path }}, port: http}
            periodSeconds: 5
            failureThreshold: 60
          livenessProbe:
            httpGet: {path: {{ $path }}, port: http}
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 5
          readinessProbe:
            httpGet: {path: {{ $path }}, port: http}
            periodSeconds: 5
            timeoutSeconds: 3
          securityContext:
            {{- include "openpanel.containerSecurity" $root | nindent 12 }}
          resources:
            {{- toYaml $spec.resources | nindent 12 }}
{{- end -}}

{{/* The app Secret (key uri) of the cluster serving the database: the chart's own
     (<release>-db), or the one playbooks/restore.yml made (database.serving). */}}
{{- define "openpanel.databaseSecret" -}}
{{- if .Values.database.serving -}}
{{- printf "%s-app" .Values.database.serving -}}
{{- else -}}
{{- include "openpanel.name" (dict "root" . "part" "db-app") -}}
{{- end -}}
{{- end -}}
