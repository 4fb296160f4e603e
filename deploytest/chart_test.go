package deploytest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

var chartDir = filepath.Join(root, "charts", "recall")

const (
	release   = "prod"
	namespace = "recall"
)

// allToggles switches on every optional part of the chart.
func allToggles() map[string]any {
	return map[string]any{
		"metrics": map[string]any{
			"serviceMonitor": map[string]any{"enabled": true, "labels": map[string]any{"release": "kube-prometheus-stack"}},
			"prometheusRule": map[string]any{"enabled": true},
		},
		"replayer": map[string]any{"enabled": true, "args": []any{"offsets", "describe", "--group", "recall.projector.users.v1"}},
		"jwt":      map[string]any{"existingSecret": "recall-jwt"},
		"kek":      map[string]any{"existingSecret": "recall-kek"},
		"admin":    map[string]any{"existingSecret": "recall-admin"},
		"database": map[string]any{"existingSecret": "recall-db", "existingSecretKey": "url",
			"ca": map[string]any{"configMap": "recall-db-ca"}},
		"recordSigning": map[string]any{"existingSecret": "recall-record-keys"},
		"kafka": map[string]any{
			"tls": map[string]any{"enabled": true, "serverName": "kafka.internal",
				"ca": map[string]any{"secret": "kafka-ca", "key": "ca.pem"}},
			"sasl": map[string]any{"mechanism": "SCRAM-SHA-512",
				"relay":     map[string]any{"existingSecret": "recall-kafka-relay"},
				"projector": map[string]any{"existingSecret": "recall-kafka-projector"},
				"replayer":  map[string]any{"existingSecret": "recall-kafka-replayer"}},
			"schemaRegistryAuth": map[string]any{"existingSecret": "recall-sr"},
			"schemaRegistryTLS":  map[string]any{"ca": map[string]any{"configMap": "registry-ca"}},
		},
		"tracing":  map[string]any{"otlpEndpoint": "http://otel-collector.observability:4318", "sampleRatio": 0.25},
		"extraEnv": []any{map[string]any{"name": "RECALL_LOG_LEVEL", "value": "debug"}},
	}
}

// object is one rendered manifest.
type object struct {
	file string
	raw  []byte // this document's YAML
	m    map[string]any
}

func (o object) kind() string { return str(o.m, "kind") }
func (o object) name() string { return str(o.m, "metadata", "name") }

func (o object) String() string { return o.kind() + "/" + o.name() }

// decode fills a typed Kubernetes object, refusing unknown fields: a key at the
// wrong indentation fails here rather than being dropped by the API server.
func (o object) decode(t *testing.T, into any) {
	t.Helper()
	if err := sigsyaml.UnmarshalStrict(o.raw, into); err != nil {
		t.Fatalf("%s (%s): %v", o, o.file, err)
	}
}

// renderChart renders the chart as `helm template` (an install, revision 1)
// does, values schema included.
func renderChart(vals map[string]any) ([]object, error) {
	files, err := renderFiles(vals)
	if err != nil {
		return nil, err
	}
	return splitManifests(files)
}

// renderFiles is every rendered template by its path, NOTES.txt included.
func renderFiles(vals map[string]any) (map[string]string, error) {
	ch, err := loader.Load(chartDir)
	if err != nil {
		return nil, err
	}
	opts := chartutil.ReleaseOptions{Name: release, Namespace: namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValues(ch, vals, opts, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		return nil, err
	}
	return engine.Render(ch, top)
}

func splitManifests(files map[string]string) ([]object, error) {
	var objs []object
	names := sortedKeys(files)
	for _, file := range names {
		if !strings.HasSuffix(file, ".yaml") || strings.Contains(file, "/files/") {
			continue
		}
		dec := yaml.NewDecoder(strings.NewReader(files[file]))
		for {
			var node yaml.Node
			err := dec.Decode(&node)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			var m map[string]any
			if err := node.Decode(&m); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			if m == nil {
				continue
			}
			var buf bytes.Buffer
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			if err := enc.Encode(&node); err != nil {
				return nil, err
			}
			objs = append(objs, object{file: file, raw: buf.Bytes(), m: m})
		}
	}
	return objs, nil
}

func mustRender(t *testing.T, vals map[string]any) []object {
	t.Helper()
	objs, err := renderChart(vals)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return objs
}

// find returns the objects of kind whose name ends with suffix.
func find(objs []object, kind, suffix string) []object {
	var out []object
	for _, o := range objs {
		if o.kind() == kind && strings.HasSuffix(o.name(), suffix) {
			out = append(out, o)
		}
	}
	return out
}

func one(t *testing.T, objs []object, kind, suffix string) object {
	t.Helper()
	found := find(objs, kind, suffix)
	if len(found) != 1 {
		t.Fatalf("%d %s objects named *%s, want 1 (rendered: %v)", len(found), kind, suffix, objs)
	}
	return found[0]
}

func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[p]
	}
	s, _ := cur.(string)
	return s
}

// TestChartLintStrict is `helm lint --strict`: no warning and no error, with
// the default values and with every toggle on.
func TestChartLintStrict(t *testing.T) {
	for name, vals := range map[string]map[string]any{"defaults": nil, "all-toggles": allToggles()} {
		t.Run(name, func(t *testing.T) {
			l := lint.All(chartDir, vals, namespace, true)
			for _, m := range l.Messages {
				if m.Severity >= support.WarningSev {
					t.Error(m.Error())
				} else {
					t.Log(m.Error())
				}
			}
		})
	}
}

func TestChartDefaults(t *testing.T) {
	objs := mustRender(t, nil)
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.String())
	}
	sort.Strings(kinds)
	t.Logf("rendered with default values:\n  %s", strings.Join(kinds, "\n  "))

	want := map[string]int{
		"ServiceAccount": 1, "Secret": 5, "Deployment": 3, "Service": 4,
		"HorizontalPodAutoscaler": 1, "PodDisruptionBudget": 2, "Job": 1,
	}
	got := map[string]int{}
	for _, o := range objs {
		got[o.kind()]++
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%d %s, want %d", got[k], k, n)
		}
	}
	for _, k := range []string{"ServiceMonitor", "PrometheusRule"} {
		if got[k] != 0 {
			t.Errorf("%s rendered although metrics toggles are off", k)
		}
	}
	if jobs := find(objs, "Job", "-replayer-1"); len(jobs) != 0 {
		t.Errorf("replayer Job rendered by default: %v", jobs)
	}
}

func TestChartLabels(t *testing.T) {
	for _, o := range mustRender(t, allToggles()) {
		labels, _ := o.m["metadata"].(map[string]any)["labels"].(map[string]any)
		for _, k := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
			"app.kubernetes.io/managed-by", "app.kubernetes.io/part-of", "helm.sh/chart"} {
			if labels[k] == nil || labels[k] == "" {
				t.Errorf("%s: no label %s", o, k)
			}
		}
		if labels["app.kubernetes.io/instance"] != release {
			t.Errorf("%s: instance label %v, want %s", o, labels["app.kubernetes.io/instance"], release)
		}
		if !strings.HasPrefix(o.name(), release+"-recall") && o.kind() != "ServiceAccount" {
			t.Errorf("%s: name does not start with the release's full name", o)
		}
	}
}

func deployments(t *testing.T, objs []object) map[string]*appsv1.Deployment {
	t.Helper()
	out := map[string]*appsv1.Deployment{}
	for _, o := range find(objs, "Deployment", "") {
		var d appsv1.Deployment
		o.decode(t, &d)
		out[d.Labels["app.kubernetes.io/component"]] = &d
	}
	if got := sortedKeys(out); !slices.Equal(got, []string{"command-api", "projector", "relay"}) {
		t.Fatalf("deployments by component: %v", got)
	}
	return out
}

func TestChartRelayIsOneRecreatedReader(t *testing.T) {
	d := deployments(t, mustRender(t, nil))["relay"]
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("relay replicas = %v, want 1 (one reader per slot)", d.Spec.Replicas)
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("relay strategy %q, want Recreate", d.Spec.Strategy.Type)
	}
}

func TestChartCommandAPIScalesByHPA(t *testing.T) {
	objs := mustRender(t, nil)
	d := deployments(t, objs)["command-api"]
	if d.Spec.Replicas != nil {
		t.Errorf("command-api replicas = %d although the HPA owns the count", *d.Spec.Replicas)
	}
	var hpa autoscalingv2.HorizontalPodAutoscaler
	one(t, objs, "HorizontalPodAutoscaler", "-command-api").decode(t, &hpa)
	if hpa.Spec.ScaleTargetRef.Name != d.Name || hpa.Spec.ScaleTargetRef.Kind != "Deployment" {
		t.Errorf("HPA targets %+v, want Deployment %s", hpa.Spec.ScaleTargetRef, d.Name)
	}
	var svc corev1.Service
	one(t, objs, "Service", "-command-api").decode(t, &svc)
	if svc.Spec.Ports[0].Port != 8080 || svc.Spec.Ports[0].TargetPort.StrVal != "http" {
		t.Errorf("command-api Service ports %+v", svc.Spec.Ports)
	}
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("Service selector %s=%s does not match the pods", k, v)
		}
	}
	objs = mustRender(t, map[string]any{"commandApi": map[string]any{"autoscaling": map[string]any{"enabled": false}, "replicaCount": 3}})
	if d := deployments(t, objs)["command-api"]; d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("autoscaling off: replicas %v, want 3", d.Spec.Replicas)
	}
	if len(find(objs, "HorizontalPodAutoscaler", "")) != 0 {
		t.Error("HPA rendered with autoscaling off")
	}
}

func TestChartPodsAreHardened(t *testing.T) {
	objs := mustRender(t, allToggles())
	var pods []corev1.PodSpec
	for _, d := range deployments(t, objs) {
		pods = append(pods, d.Spec.Template.Spec)
	}
	for _, o := range find(objs, "Job", "") {
		var j batchv1.Job
		o.decode(t, &j)
		pods = append(pods, j.Spec.Template.Spec)
	}
	for _, p := range pods {
		c := p.Containers[0]
		if psc := p.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
			t.Errorf("%s: pod may run as root: %+v", c.Name, psc)
		}
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: root filesystem is writable", c.Name)
			continue
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: allowPrivilegeEscalation not false", c.Name)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			t.Errorf("%s: capabilities not dropped", c.Name)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: resources %+v, want cpu requests and a memory limit", c.Name, c.Resources)
		}
		if !strings.HasPrefix(c.Image, "ghcr.io/recall-events/recall:") || strings.HasSuffix(c.Image, ":latest") {
			t.Errorf("%s: image %q", c.Name, c.Image)
		}
		if len(c.Command) == 0 || !strings.HasPrefix(c.Command[0], "/usr/local/bin/") {
			t.Errorf("%s: command %q does not pick a binary of the image", c.Name, c.Command)
		}
		if p.AutomountServiceAccountToken == nil || *p.AutomountServiceAccountToken {
			t.Errorf("%s: mounts a service account token it never uses", c.Name)
		}
	}
}

func TestChartProbes(t *testing.T) {
	for comp, d := range deployments(t, mustRender(t, nil)) {
		c := d.Spec.Template.Spec.Containers[0]
		for probe, want := range map[*corev1.Probe]string{c.LivenessProbe: "/livez", c.ReadinessProbe: "/readyz"} {
			if probe == nil || probe.HTTPGet == nil {
				t.Errorf("%s: missing %s probe", comp, want)
				continue
			}
			if probe.HTTPGet.Path != want || probe.HTTPGet.Port.StrVal != "http" {
				t.Errorf("%s: probe %s on %v, want %s on port http", comp, probe.HTTPGet.Path, probe.HTTPGet.Port, want)
			}
		}
		if len(c.Ports) != 2 || c.Ports[0].Name != "http" || c.Ports[1].Name != "ops" {
			t.Errorf("%s: ports %+v, want http and ops", comp, c.Ports)
		}
	}
}

// TestChartMigrationHook: the migration Job runs before install and every
// upgrade, after the Secrets it reads.
func TestChartMigrationHook(t *testing.T) {
	objs := mustRender(t, nil)
	var job batchv1.Job
	one(t, objs, "Job", "-migrations").decode(t, &job)
	a := job.Annotations
	if a["helm.sh/hook"] != "pre-install,pre-upgrade" {
		t.Errorf("migration hook = %q", a["helm.sh/hook"])
	}
	if !strings.Contains(a["helm.sh/hook-delete-policy"], "before-hook-creation") {
		t.Errorf("hook-delete-policy %q: a rerun would collide with the last Job", a["helm.sh/hook-delete-policy"])
	}
	if c := job.Spec.Template.Spec.Containers[0]; !slices.Equal(c.Command, []string{"/usr/local/bin/command-api", "bootstrap-admin"}) {
		t.Errorf("migration command %q", c.Command)
	}
	if job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %q", job.Spec.Template.Spec.RestartPolicy)
	}
	jobWeight := a["helm.sh/hook-weight"]
	for _, o := range find(objs, "Secret", "") {
		var s corev1.Secret
		o.decode(t, &s)
		if s.Annotations["helm.sh/hook"] != a["helm.sh/hook"] || !(weight(s.Annotations["helm.sh/hook-weight"]) < weight(jobWeight)) {
			t.Errorf("Secret %s is not a hook created before the migration Job (%v)", s.Name, s.Annotations)
		}
	}
}

func weight(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

func TestChartToggles(t *testing.T) {
	objs := mustRender(t, allToggles())
	sm := one(t, objs, "ServiceMonitor", "")
	if str(sm.m, "apiVersion") != "monitoring.coreos.com/v1" || str(sm.m, "metadata", "labels", "release") != "kube-prometheus-stack" {
		t.Errorf("ServiceMonitor: %s", sm.raw)
	}
	// It must select one Service per component by their labels, each with the port it scrapes.
	smSpec := sm.m["spec"].(map[string]any)
	sel := smSpec["selector"].(map[string]any)["matchLabels"].(map[string]any)
	port := smSpec["endpoints"].([]any)[0].(map[string]any)["port"]
	components := map[string]bool{}
	for _, o := range find(objs, "Service", "") {
		var s corev1.Service
		o.decode(t, &s)
		match := slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == port })
		for k, v := range sel {
			match = match && s.Labels[k] == v
		}
		if match {
			components[s.Labels["app.kubernetes.io/component"]] = true
		}
	}
	if got := sortedKeys(components); !slices.Equal(got, []string{"command-api", "projector", "relay"}) {
		t.Errorf("ServiceMonitor selects Services of %v on port %v, want every component's", got, port)
	}
	pr := one(t, objs, "PrometheusRule", "")
	var rendered, file struct {
		Groups []map[string]any `yaml:"groups"`
	}
	spec, _ := yaml.Marshal(pr.m["spec"])
	if err := yaml.Unmarshal(spec, &rendered); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(readFile(t, filepath.Join(chartDir, "files", "alerts.yaml")), &file); err != nil {
		t.Fatal(err)
	}
	a, _ := yaml.Marshal(rendered)
	b, _ := yaml.Marshal(file)
	if len(rendered.Groups) == 0 || !bytes.Equal(a, b) {
		t.Errorf("PrometheusRule spec differs from files/alerts.yaml:\n%s\nvs\n%s", a, b)
	}

	var job batchv1.Job
	one(t, objs, "Job", "-replayer-1").decode(t, &job)
	c := job.Spec.Template.Spec.Containers[0]
	if c.Command[0] != "/usr/local/bin/replayer" || !slices.Equal(c.Args, []string{"offsets", "describe", "--group", "recall.projector.users.v1"}) {
		t.Errorf("replayer Job runs %q %q", c.Command, c.Args)
	}
	if job.Annotations["helm.sh/hook"] != "" {
		t.Error("the replayer Job is a hook; it should be an ordinary release object")
	}
	// existingSecret: no Secret rendered, the workloads reference the given ones.
	if s := find(objs, "Secret", ""); len(s) != 0 {
		t.Errorf("Secrets rendered despite existingSecret: %v", s)
	}
	for comp, d := range deployments(t, objs) {
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			if e.Name == "DATABASE_URL" && (e.ValueFrom.SecretKeyRef.Name != "recall-db" || e.ValueFrom.SecretKeyRef.Key != "url") {
				t.Errorf("%s: DATABASE_URL from %+v, want recall-db/url", comp, e.ValueFrom.SecretKeyRef)
			}
		}
	}
}

// TestChartRejects: values the chart must refuse, by its schema or a template
// fail.
func TestChartRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		vals map[string]any
		want string
	}{
		"projector replicas above partitions": {
			map[string]any{"projector": map[string]any{"replicaCount": 13}, "kafka": map[string]any{"partitions": 12}},
			"must not exceed kafka.partitions"},
		"zero projector replicas":   {map[string]any{"projector": map[string]any{"replicaCount": 0}}, "replicaCount"},
		"misspelt key":              {map[string]any{"commandAPI": map[string]any{"replicaCount": 2}}, "additional properties"},
		"replayer without a run":    {map[string]any{"replayer": map[string]any{"enabled": true}}, "args"},
		"latest tag":                {map[string]any{"image": map[string]any{"tag": "latest"}}, "tag"},
		"no database":               {map[string]any{"database": map[string]any{"url": ""}}, "database.url"},
		"relay replicas not a knob": {map[string]any{"relay": map[string]any{"replicaCount": 2}}, "additional properties"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := renderChart(tc.vals)
			if err == nil {
				t.Fatalf("rendered; want an error mentioning %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	// The boundary itself is fine.
	if _, err := renderChart(map[string]any{"projector": map[string]any{"replicaCount": 12}}); err != nil {
		t.Errorf("replicaCount = partitions refused: %v", err)
	}
}

func TestChartPodDisruptionBudgets(t *testing.T) {
	objs := mustRender(t, nil)
	deps := deployments(t, objs)
	for _, comp := range []string{"command-api", "projector"} {
		var pdb policyv1.PodDisruptionBudget
		one(t, objs, "PodDisruptionBudget", "-"+comp).decode(t, &pdb)
		for k, v := range pdb.Spec.Selector.MatchLabels {
			if deps[comp].Spec.Template.Labels[k] != v {
				t.Errorf("%s PDB selector %s=%s does not match its pods", comp, k, v)
			}
		}
	}
}

// TestChartEnvIsReadByTheBinaries: every RECALL_*/DATABASE_URL the chart sets
// is read by the binary of that container.
func TestChartEnvIsReadByTheBinaries(t *testing.T) {
	objs := mustRender(t, allToggles())
	env := binaryEnv(t)
	var pods []corev1.PodSpec
	for _, d := range deployments(t, objs) {
		pods = append(pods, d.Spec.Template.Spec)
	}
	for _, o := range find(objs, "Job", "") {
		var j batchv1.Job
		o.decode(t, &j)
		pods = append(pods, j.Spec.Template.Spec)
	}
	for _, p := range pods {
		c := p.Containers[0]
		bin := strings.TrimPrefix(c.Command[0], "/usr/local/bin/")
		for _, e := range c.Env {
			if e.Name == "RECALL_LOG_LEVEL" { // the test's own extraEnv
				continue
			}
			if !env[bin][e.Name] {
				t.Errorf("%s: env %s is not read by %s (it reads %v)", c.Name, e.Name, bin, sortedKeys(env[bin]))
			}
		}
	}
}

// Issue 12, Medium 3: the relay signs and the projector verifies with the keyring from a
// Secret; Kafka TLS, SASL and registry basic auth come from values and Secrets.
func TestChartKafkaSecurity(t *testing.T) {
	env := func(objs []object, comp string) map[string]string {
		out := map[string]string{}
		for c, d := range deployments(t, objs) {
			if c != comp {
				continue
			}
			for _, e := range d.Spec.Template.Spec.Containers[0].Env {
				switch {
				case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
					out[e.Name] = "secret:" + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
				default:
					out[e.Name] = e.Value
				}
			}
		}
		return out
	}
	objs := mustRender(t, nil)
	relay, projector := env(objs, "relay"), env(objs, "projector")
	if relay["RECALL_RECORD_KEY_ID"] != "k1" || relay["RECALL_RECORD_KEYS"] != "secret:prod-recall-record-keys/record-keys" ||
		projector["RECALL_RECORD_KEYS"] != relay["RECALL_RECORD_KEYS"] {
		t.Errorf("record keys: relay %v, projector %v", relay, projector)
	}
	if _, ok := relay["RECALL_KAFKA_SASL_MECHANISM"]; ok {
		t.Error("SASL configured by default")
	}
	objs = mustRender(t, allToggles())
	for _, comp := range []string{"relay", "projector"} {
		e := env(objs, comp)
		principal := "secret:recall-kafka-" + comp // each its own: the ACLs differ
		for k, v := range map[string]string{
			"RECALL_RECORD_KEYS": "secret:recall-record-keys/record-keys", "RECALL_KAFKA_TLS": "true",
			"RECALL_KAFKA_TLS_SERVER_NAME": "kafka.internal", "RECALL_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
			"RECALL_KAFKA_SASL_USERNAME": principal + "/username", "RECALL_KAFKA_SASL_PASSWORD": principal + "/password",
			"RECALL_SCHEMA_REGISTRY_USERNAME": "secret:recall-sr/username", "RECALL_SCHEMA_REGISTRY_PASSWORD": "secret:recall-sr/password",
			"RECALL_KAFKA_TLS_CA_FILE": "/etc/recall/kafka-ca/ca.pem", "RECALL_SCHEMA_REGISTRY_CA_FILE": "/etc/recall/registry-ca/ca.crt",
		} {
			if e[k] != v {
				t.Errorf("%s: %s = %q, want %q", comp, k, e[k], v)
			}
		}
	}
}

// Issue 12, Medium 3: the CA bundles come from a Secret or a ConfigMap, mounted read-only
// where RECALL_KAFKA_TLS_CA_FILE and RECALL_SCHEMA_REGISTRY_CA_FILE point, in every pod
// that speaks Kafka (the replayer Job included, under its own SASL principal); SASL
// without a principal's Secret, or a CA from both sources, is refused.
func TestChartKafkaCAAndPrincipals(t *testing.T) {
	objs := mustRender(t, allToggles())
	var pods []corev1.PodSpec
	for comp, d := range deployments(t, objs) {
		if comp != "command-api" {
			pods = append(pods, d.Spec.Template.Spec)
		}
	}
	var job batchv1.Job
	one(t, objs, "Job", "-replayer-1").decode(t, &job)
	pods = append(pods, job.Spec.Template.Spec)
	for _, p := range pods {
		c := p.Containers[0]
		env := map[string]corev1.EnvVar{}
		for _, e := range c.Env {
			env[e.Name] = e
		}
		if ref := env["RECALL_KAFKA_SASL_PASSWORD"].ValueFrom; ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != "recall-kafka-"+c.Name {
			t.Errorf("%s: SASL password %+v, want from Secret recall-kafka-%s", c.Name, ref, c.Name)
		}
		for file, source := range map[string]string{
			env["RECALL_KAFKA_TLS_CA_FILE"].Value: "secret:kafka-ca/ca.pem", env["RECALL_SCHEMA_REGISTRY_CA_FILE"].Value: "configMap:registry-ca/ca.crt",
		} {
			var mount *corev1.VolumeMount
			for i, m := range c.VolumeMounts {
				if file != "" && strings.HasPrefix(file, m.MountPath+"/") {
					mount = &c.VolumeMounts[i]
				}
			}
			if mount == nil || !mount.ReadOnly {
				t.Errorf("%s: %q is on no read-only mount (%+v)", c.Name, file, c.VolumeMounts)
				continue
			}
			var got string
			for _, v := range p.Volumes {
				if v.Name != mount.Name {
					continue
				}
				switch {
				case v.Secret != nil && len(v.Secret.Items) == 1:
					got = "secret:" + v.Secret.SecretName + "/" + v.Secret.Items[0].Key
				case v.ConfigMap != nil && len(v.ConfigMap.Items) == 1:
					got = "configMap:" + v.ConfigMap.Name + "/" + v.ConfigMap.Items[0].Key
				}
			}
			if got != source || filepath.Base(file) != filepath.Base(source) {
				t.Errorf("%s: %s from %q, want %q", c.Name, file, got, source)
			}
		}
	}
	for name, tc := range map[string]struct {
		vals map[string]any
		want string
	}{
		"SASL without the projector's Secret": {map[string]any{"kafka": map[string]any{"sasl": map[string]any{"mechanism": "PLAIN",
			"relay": map[string]any{"existingSecret": "r"}}}}, "kafka.sasl.projector.existingSecret"},
		"one shared SASL Secret (the old key)": {map[string]any{"kafka": map[string]any{"sasl": map[string]any{"existingSecret": "x"}}}, "existingSecret"},
		"CA from both":                         {map[string]any{"kafka": map[string]any{"tls": map[string]any{"ca": map[string]any{"secret": "a", "configMap": "b"}}}}, "ca"},
	} {
		if _, err := renderChart(tc.vals); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", name, err, tc.want)
		}
	}
}

// Each projector pod is a static member of its groups under its own name (issue 17): a
// crashed container comes back with the same id and takes its partitions back at once,
// instead of the group waiting out the dead member's 45 s session.
func TestChartProjectorInstanceIDIsThePodName(t *testing.T) {
	d := deployments(t, mustRender(t, nil))["projector"]
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Name != "RECALL_PROJECTOR_INSTANCE_ID" {
			continue
		}
		if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "metadata.name" {
			t.Fatalf("RECALL_PROJECTOR_INSTANCE_ID = %+v, want the pod name (fieldRef metadata.name)", e)
		}
		return
	}
	t.Fatal("the projector has no RECALL_PROJECTOR_INSTANCE_ID")
}

// Issue 12, Low (responses): the chart serves /metrics on each pod's ops listener
// (RECALL_OPS_ADDR, port "ops") and scrapes that; the API's own Service, which may be a
// LoadBalancer, carries neither the ops port nor the scrape label.
func TestChartMetricsOnTheOpsListener(t *testing.T) {
	objs := mustRender(t, map[string]any{"commandApi": map[string]any{"service": map[string]any{"type": "LoadBalancer"}},
		"metrics": map[string]any{"serviceMonitor": map[string]any{"enabled": true}}})
	for comp, d := range deployments(t, objs) {
		c := d.Spec.Template.Spec.Containers[0]
		var ops *corev1.ContainerPort
		for i := range c.Ports {
			if c.Ports[i].Name == "ops" {
				ops = &c.Ports[i]
			}
		}
		if ops == nil || ops.ContainerPort != 9100 {
			t.Errorf("%s: no container port ops 9100: %+v", comp, c.Ports)
			continue
		}
		var addr string
		for _, e := range c.Env {
			if e.Name == "RECALL_OPS_ADDR" {
				addr = e.Value
			}
		}
		if addr != fmt.Sprintf(":%d", ops.ContainerPort) {
			t.Errorf("%s: RECALL_OPS_ADDR %q, want :%d", comp, addr, ops.ContainerPort)
		}
	}
	if port := one(t, objs, "ServiceMonitor", "").m["spec"].(map[string]any)["endpoints"].([]any)[0].(map[string]any)["port"]; port != "ops" {
		t.Errorf("ServiceMonitor scrapes port %v, want ops", port)
	}
	for _, o := range find(objs, "Service", "") {
		var s corev1.Service
		o.decode(t, &s)
		hasOps := slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == "ops" })
		if s.Labels["recall.io/metrics"] == "true" && (!hasOps || s.Spec.Type != corev1.ServiceTypeClusterIP) {
			t.Errorf("%s: scraped, but no ops port or not ClusterIP (%s)", s.Name, s.Spec.Type)
		}
		if s.Spec.Type != corev1.ServiceTypeClusterIP && (hasOps || s.Labels["recall.io/metrics"] != "") {
			t.Errorf("%s (%s) publishes the ops listener", s.Name, s.Spec.Type)
		}
	}
	if _, err := renderChart(map[string]any{"metrics": map[string]any{"opsPort": 8080}}); err == nil || !strings.Contains(err.Error(), "opsPort") {
		t.Errorf("metrics.opsPort = the API's port: %v, want refused", err)
	}
}
