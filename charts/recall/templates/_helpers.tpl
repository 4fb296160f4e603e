{{/*
Expand the name of the chart.
*/}}
{{- define "recall.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name (63 characters: the DNS label limit).
If the release name contains the chart name it is used as the full name.
*/}}
{{- define "recall.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of one component's objects: <fullname>-<component>.
*/}}
{{- define "recall.componentName" -}}
{{- printf "%s-%s" (include "recall.fullname" .root | trunc 50 | trimSuffix "-") .component }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "recall.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "recall.labels" -}}
helm.sh/chart: {{ include "recall.chart" . }}
{{ include "recall.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: recall
{{- end }}

{{/*
Selector labels.
*/}}
{{- define "recall.selectorLabels" -}}
app.kubernetes.io/name: {{ include "recall.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of one component: (dict "root" $ "component" "relay").
*/}}
{{- define "recall.componentLabels" -}}
{{ include "recall.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "recall.componentSelectorLabels" -}}
{{ include "recall.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Create the name of the service account to use.
*/}}
{{- define "recall.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "recall.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The one image of every workload.
*/}}
{{- define "recall.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "recall.databaseSecretName" -}}
{{- default (printf "%s-database" (include "recall.fullname" .)) .Values.database.existingSecret }}
{{- end }}

{{- define "recall.adminSecretName" -}}
{{- default (printf "%s-admin" (include "recall.fullname" .)) .Values.admin.existingSecret }}
{{- end }}

{{/*
The event topic the projector consumes.
*/}}
{{- define "recall.userTopic" -}}
{{- printf "%s.user.events" .Values.kafka.topicPrefix }}
{{- end }}

{{- define "recall.recordKeysSecretName" -}}
{{- default (printf "%s-record-keys" (include "recall.fullname" .)) .Values.recordSigning.existingSecret }}
{{- end }}

{{- define "recall.jwtSecretName" -}}
{{- default (printf "%s-jwt" (include "recall.fullname" .)) .Values.jwt.existingSecret }}
{{- end }}

{{/*
Render-time checks that JSON Schema cannot express (it cannot compare two values).
*/}}
{{- define "recall.validate" -}}
{{- if gt (int .Values.projector.replicaCount) (int .Values.kafka.partitions) }}
{{- fail (printf "projector.replicaCount (%d) must not exceed kafka.partitions (%d): consumers beyond the partition count sit idle" (int .Values.projector.replicaCount) (int .Values.kafka.partitions)) }}
{{- end }}
{{- if and .Values.commandApi.autoscaling.enabled (gt (int .Values.commandApi.autoscaling.minReplicas) (int .Values.commandApi.autoscaling.maxReplicas)) }}
{{- fail "commandApi.autoscaling.minReplicas must not exceed maxReplicas" }}
{{- end }}
{{- $ops := int .Values.metrics.opsPort }}
{{- if or (eq $ops 8080) (eq $ops (int .Values.relay.metricsPort)) (eq $ops (int .Values.projector.metricsPort)) }}
{{- fail (printf "metrics.opsPort (%d) must differ from the public ports (8080, relay.metricsPort, projector.metricsPort)" $ops) }}
{{- end }}
{{- $shared := include "recall.databaseSharedBy" . }}
{{- if and $shared (not .Values.database.existingSecret) (not .Values.database.url) }}
{{- fail (printf "set database.url or database.existingSecret (the login of %s), or give each its own database.<workload>.existingSecret" $shared) }}
{{- end }}
{{- end }}

{{/*
The Secret holding one workload's DATABASE_URL: (dict "root" $ "workload" "relay"). Its
own login (database.<workload>.existingSecret) when set, else the shared one.
*/}}
{{- define "recall.databaseLoginSecret" -}}
{{- with (index .root.Values.database .workload).existingSecret }}{{ . }}{{ else }}{{ include "recall.databaseSecretName" .root }}{{ end }}
{{- end }}

{{/*
The rendered workloads without a database login of their own, comma-separated: the users
of database.url / database.existingSecret (empty: none).
*/}}
{{- define "recall.databaseSharedBy" -}}
{{- $d := .Values.database }}
{{- $shared := list }}
{{- range $w, $on := dict "migrations" .Values.migrations.enabled "commandApi" true "relay" true "projector" true "replayer" .Values.replayer.enabled }}
{{- if and $on (not (index $d $w).existingSecret) }}
{{- $shared = append $shared $w }}
{{- end }}
{{- end }}
{{- join ", " $shared }}
{{- end }}

{{/*
DATABASE_URL of one workload, (dict "root" $ "workload" "relay"), and PGSSLROOTCERT when
database.ca is set: libpq's variable, which pgx reads as the URL's sslrootcert.
*/}}
{{- define "recall.env.database" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "recall.databaseLoginSecret" . }}
      key: {{ .root.Values.database.existingSecretKey }}
{{- with .root.Values.database.ca }}
{{- if or .secret .configMap }}
- name: PGSSLROOTCERT
  value: {{ printf "/etc/recall/database-ca/%s" .key | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
RECALL_JWT_SECRET from the JWT Secret.
*/}}
{{- define "recall.env.jwt" -}}
- name: RECALL_JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "recall.jwtSecretName" . }}
      key: {{ .Values.jwt.existingSecretKey }}
{{- end }}

{{- define "recall.kekSecretName" -}}
{{- default (printf "%s-kek" (include "recall.fullname" .)) .Values.kek.existingSecret }}
{{- end }}

{{/*
RECALL_KEK from the key-encryption-key Secret (command-api, migrations, projector).
*/}}
{{- define "recall.env.kek" -}}
- name: RECALL_KEK
  valueFrom:
    secretKeyRef:
      name: {{ include "recall.kekSecretName" . }}
      key: {{ .Values.kek.existingSecretKey }}
{{- end }}

{{/*
Kafka and schema registry settings shared by relay and projector:
(dict "root" $ "principal" "relay").
*/}}
{{- define "recall.env.kafka" -}}
{{- with .root }}
- name: RECALL_KAFKA_BROKERS
  value: {{ .Values.kafka.brokers | quote }}
- name: RECALL_SCHEMA_REGISTRY_URL
  value: {{ .Values.kafka.schemaRegistryUrl | quote }}
- name: RECALL_RECORD_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "recall.recordKeysSecretName" . }}
      key: {{ .Values.recordSigning.existingSecretKey }}
{{- end }}
{{- include "recall.env.kafkaAuth" (dict "root" .root "principal" .principal) }}
{{- end }}

{{/*
Kafka TLS and SASL and the registry's TLS and basic auth of one principal:
(dict "root" $ "principal" "relay"). Each principal logs in with its own SASL Secret
(kafka.sasl.<principal>.existingSecret), since each needs other ACLs; the CA files are
the mounts of recall.kafkaCAVolumeMounts.
*/}}
{{- define "recall.env.kafkaAuth" -}}
{{- $k := .root.Values.kafka }}
{{- if or $k.tls.enabled $k.tls.ca.secret $k.tls.ca.configMap }}
- name: RECALL_KAFKA_TLS
  value: "true"
{{- with $k.tls.serverName }}
- name: RECALL_KAFKA_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- if or $k.tls.ca.secret $k.tls.ca.configMap }}
- name: RECALL_KAFKA_TLS_CA_FILE
  value: {{ printf "/etc/recall/kafka-ca/%s" $k.tls.ca.key | quote }}
{{- end }}
{{- end }}
{{- if $k.sasl.mechanism }}
{{- $secret := required (printf "kafka.sasl.%s.existingSecret is required with kafka.sasl.mechanism (one principal per workload)" .principal) (index $k.sasl .principal).existingSecret }}
- name: RECALL_KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
- name: RECALL_KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $k.sasl.usernameKey }}
- name: RECALL_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $k.sasl.passwordKey }}
{{- end }}
{{- with $k.schemaRegistryAuth }}
{{- if .existingSecret }}
- name: RECALL_SCHEMA_REGISTRY_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .usernameKey }}
- name: RECALL_SCHEMA_REGISTRY_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .passwordKey }}
{{- end }}
{{- end }}
{{- if or $k.schemaRegistryTLS.ca.secret $k.schemaRegistryTLS.ca.configMap }}
- name: RECALL_SCHEMA_REGISTRY_CA_FILE
  value: {{ printf "/etc/recall/registry-ca/%s" $k.schemaRegistryTLS.ca.key | quote }}
{{- end }}
{{- end }}

{{/*
The CA bundles of kafka.tls.ca and kafka.schemaRegistryTLS.ca, read-only: mounts of the
container and volumes of the pod (nothing when neither is set).
*/}}
{{- define "recall.kafkaCAVolumeMounts" -}}
{{- $k := .Values.kafka }}
{{- if or $k.tls.ca.secret $k.tls.ca.configMap }}
- name: kafka-ca
  mountPath: /etc/recall/kafka-ca
  readOnly: true
{{- end }}
{{- if or $k.schemaRegistryTLS.ca.secret $k.schemaRegistryTLS.ca.configMap }}
- name: registry-ca
  mountPath: /etc/recall/registry-ca
  readOnly: true
{{- end }}
{{- end }}

{{- define "recall.kafkaCAVolumes" -}}
{{- include "recall.caVolume" (dict "name" "kafka-ca" "ca" .Values.kafka.tls.ca) }}
{{- include "recall.caVolume" (dict "name" "registry-ca" "ca" .Values.kafka.schemaRegistryTLS.ca) }}
{{- end }}

{{/*
database.ca, read-only, in every pod that speaks to PostgreSQL: the container's mount and
the pod's volume (nothing when it is not set).
*/}}
{{- define "recall.databaseCAVolumeMounts" -}}
{{- if or .Values.database.ca.secret .Values.database.ca.configMap }}
- name: database-ca
  mountPath: /etc/recall/database-ca
  readOnly: true
{{- end }}
{{- end }}

{{- define "recall.databaseCAVolumes" -}}
{{- include "recall.caVolume" (dict "name" "database-ca" "ca" .Values.database.ca) }}
{{- end }}

{{/*
One CA bundle's volume, its one key as a file: (dict "name" "kafka-ca" "ca" .Values.kafka.tls.ca).
*/}}
{{- define "recall.caVolume" -}}
{{- with .ca }}
{{- if .secret }}
- name: {{ $.name }}
  secret:
    secretName: {{ .secret }}
    items: [{key: {{ .key | quote }}, path: {{ .key | quote }}}]
{{- else if .configMap }}
- name: {{ $.name }}
  configMap:
    name: {{ .configMap }}
    items: [{key: {{ .key | quote }}, path: {{ .key | quote }}}]
{{- end }}
{{- end }}
{{- end }}

{{/*
A generated Secret value that survives upgrades: (dict "root" $ "name" "…" "key" "…" "value" "given or empty").
The value given wins; else the one already in the cluster (lookup; empty under
`helm template`); else a fresh random one.
*/}}
{{- define "recall.secretValue" -}}
{{- if .value }}
{{- .value | b64enc }}
{{- else }}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name }}
{{- if and $existing (hasKey (default dict $existing.data) .key) }}
{{- index $existing.data .key }}
{{- else }}
{{- randAlphaNum 48 | b64enc }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Pod-level settings shared by every workload: (dict "root" $ "component" "relay" "values" .Values.relay).
*/}}
{{- define "recall.podSpecCommon" -}}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
automountServiceAccountToken: {{ .root.Values.serviceAccount.automount }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Probes on /livez and /readyz of the named port.
*/}}
{{- define "recall.probes" -}}
livenessProbe:
  httpGet:
    path: /livez
    port: http
  {{- toYaml .Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  {{- toYaml .Values.probes.readiness | nindent 2 }}
{{- end }}

{{/*
A writable /tmp: the root filesystem is read-only.
*/}}
{{- define "recall.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{- define "recall.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/*
The ops listener (RECALL_OPS_ADDR): /livez, /readyz and /metrics on a port of their own,
so /metrics is never on a port that clients (an Ingress, a LoadBalancer) reach. The
ServiceMonitor scrapes it; the probes stay on "http", the port traffic goes to.
*/}}
{{- define "recall.opsContainerPort" -}}
- name: ops
  containerPort: {{ .Values.metrics.opsPort }}
  protocol: TCP
{{- end }}

{{- define "recall.env.ops" -}}
- name: RECALL_OPS_ADDR
  value: {{ printf ":%d" (int .Values.metrics.opsPort) | quote }}
{{- end }}

{{- define "recall.opsServicePort" -}}
- port: {{ .Values.metrics.opsPort }}
  targetPort: ops
  protocol: TCP
  name: ops
{{- end }}

{{/*
Tracing of command-api, relay and projector: nothing when tracing.otlpEndpoint is empty
(the binaries' default is off).
*/}}
{{- define "recall.env.tracing" -}}
{{- with .Values.tracing }}
{{- if .otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .otlpEndpoint | quote }}
- name: RECALL_TRACE_SAMPLE_RATIO
  value: {{ .sampleRatio | toString | quote }}
{{- end }}
{{- end }}
{{- end }}
