package deploytest

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
)

// pods is every pod template the chart renders, by container name (migrations,
// command-api, relay, projector, replayer).
func pods(t *testing.T, objs []object) map[string]corev1.PodSpec {
	t.Helper()
	out := map[string]corev1.PodSpec{}
	for _, d := range deployments(t, objs) {
		out[d.Spec.Template.Spec.Containers[0].Name] = d.Spec.Template.Spec
	}
	for _, o := range find(objs, "Job", "") {
		var j batchv1.Job
		o.decode(t, &j)
		out[j.Spec.Template.Spec.Containers[0].Name] = j.Spec.Template.Spec
	}
	return out
}

func envOf(c corev1.Container, name string) (corev1.EnvVar, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e, true
		}
	}
	return corev1.EnvVar{}, false
}

// databaseSecret is "secret/key" of a pod's DATABASE_URL.
func databaseSecret(t *testing.T, p corev1.PodSpec) string {
	t.Helper()
	e, ok := envOf(p.Containers[0], "DATABASE_URL")
	if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
		t.Fatalf("%s: DATABASE_URL %+v, want it from a Secret", p.Containers[0].Name, e)
	}
	return e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
}

// notes renders the chart's NOTES.txt as an install into a cluster holding objs (its
// lookup calls see only them).
func notes(t *testing.T, vals map[string]any, objs ...runtime.Object) string {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	opts := chartutil.ReleaseOptions{Name: release, Namespace: namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValues(ch, vals, opts, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		t.Fatal(err)
	}
	cluster := secretsOnly{dynamicfake.NewSimpleDynamicClient(runtime.NewScheme(), objs...)}
	files, err := engine.RenderWithClientProvider(ch, top, cluster)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if strings.HasSuffix(name, "/NOTES.txt") {
			return text
		}
	}
	t.Fatal("no NOTES.txt rendered")
	return ""
}

// Least privilege in Kubernetes as in compose: each workload may log in to PostgreSQL
// with its own login (README, Security: recall_migrate, recall_command_api,
// recall_relay, recall_projector), from its own Secret; those without one use the shared
// database.url, rendered as a Secret only when someone does, and the release notes name
// them; a workload left without any login is refused at render time.
func TestChartDatabaseLogins(t *testing.T) {
	replayer := map[string]any{"enabled": true, "args": []any{"offsets", "describe", "--group", "g"}}
	own := func(without ...string) map[string]any {
		d := map[string]any{"existingSecretKey": "url"}
		for w, secret := range map[string]string{"migrations": "db-migrate", "commandApi": "db-api", "relay": "db-relay",
			"projector": "db-projector", "replayer": "db-replayer"} {
			if !slices.Contains(without, w) {
				d[w] = map[string]any{"existingSecret": secret}
			}
		}
		return d
	}
	const shared = "prod-recall-database/"
	ownURL := map[string]string{"migrations": "db-migrate/url", "command-api": "db-api/url", "relay": "db-relay/url",
		"projector": "db-projector/url", "replayer": "db-replayer/url"}
	for _, tc := range []struct {
		name      string
		vals      map[string]any
		want      map[string]string // DATABASE_URL's secret/key by pod; every rendered pod listed
		secret    bool              // the chart renders the shared Secret
		notes     []string          // in NOTES.txt
		notNotes  []string          // not in NOTES.txt
		refusedBy []string          // the render fails naming these
	}{
		{name: "shared by default", vals: map[string]any{"replayer": replayer},
			want: map[string]string{"migrations": shared + "database-url", "command-api": shared + "database-url",
				"relay": shared + "database-url", "projector": shared + "database-url", "replayer": shared + "database-url"},
			secret: true, notes: []string{"commandApi, migrations, projector, relay, replayer share one PostgreSQL login",
				"placeholder and the login of commandApi, migrations, projector, relay, replayer"}},
		{name: "one login each", vals: map[string]any{"replayer": replayer, "database": own()},
			want: ownURL, notNotes: []string{"PostgreSQL login", "placeholder"}},
		{name: "one login each, no shared URL at all", vals: map[string]any{"replayer": replayer, "database": withValues(own(), map[string]any{"url": ""})},
			want: ownURL, notNotes: []string{"PostgreSQL login", "placeholder"}},
		{name: "some share", vals: map[string]any{"database": own("migrations", "commandApi")},
			want:   map[string]string{"migrations": shared + "url", "command-api": shared + "url", "relay": "db-relay/url", "projector": "db-projector/url"},
			secret: true, notes: []string{"commandApi, migrations share one PostgreSQL login"}},
		{name: "one left on the shared login", vals: map[string]any{"replayer": replayer, "database": own("relay")},
			want: map[string]string{"migrations": "db-migrate/url", "command-api": "db-api/url", "relay": shared + "url",
				"projector": "db-projector/url", "replayer": "db-replayer/url"},
			secret: true, notes: []string{"relay has no PostgreSQL login of its own", "database.relay.existingSecret"},
			notNotes: []string{"share one"}},
		{name: "migrations and replayer off, the others with their own", vals: map[string]any{"migrations": map[string]any{"enabled": false},
			"database": withValues(own("migrations", "replayer"), map[string]any{"url": ""})},
			want:     map[string]string{"command-api": "db-api/url", "relay": "db-relay/url", "projector": "db-projector/url"},
			notNotes: []string{"PostgreSQL login", "placeholder"}},
		{name: "the shared login from an existing Secret, no URL", vals: map[string]any{"database": map[string]any{"url": "",
			"existingSecret": "recall-db", "projector": map[string]any{"existingSecret": "db-projector"}}},
			want: map[string]string{"migrations": "recall-db/database-url", "command-api": "recall-db/database-url",
				"relay": "recall-db/database-url", "projector": "db-projector/database-url"},
			notes: []string{"commandApi, migrations, relay share one PostgreSQL login"}, notNotes: []string{"placeholder"}},
		{name: "a workload left without a login", vals: map[string]any{"replayer": replayer,
			"database": withValues(own("relay"), map[string]any{"url": ""})}, refusedBy: []string{"database.url", "relay"}},
		{name: "the replayer without a login", vals: map[string]any{"replayer": replayer,
			"database": withValues(own("replayer"), map[string]any{"url": ""})}, refusedBy: []string{"database.url", "replayer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.refusedBy != nil {
				_, err := renderChart(tc.vals)
				for _, w := range tc.refusedBy {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Fatalf("render: %v; want an error naming %s", err, w)
					}
				}
				return
			}
			objs := mustRender(t, tc.vals)
			ps := pods(t, objs)
			if got := sortedKeys(ps); !slices.Equal(got, sortedKeys(tc.want)) {
				t.Fatalf("pods %v, want %v", got, sortedKeys(tc.want))
			}
			for name, p := range ps {
				if got := databaseSecret(t, p); got != tc.want[name] {
					t.Errorf("%s: DATABASE_URL from %s, want %s", name, got, tc.want[name])
				}
			}
			if got := len(find(objs, "Secret", "-database")) == 1; got != tc.secret {
				t.Errorf("the chart's shared database Secret rendered: %v, want %v", got, tc.secret)
			}
			n := notes(t, tc.vals)
			for _, w := range tc.notes {
				if !strings.Contains(strings.Join(strings.Fields(n), " "), w) {
					t.Errorf("the notes do not say %q:\n%s", w, n)
				}
			}
			for _, w := range tc.notNotes {
				if strings.Contains(n, w) {
					t.Errorf("the notes say %q:\n%s", w, n)
				}
			}
		})
	}
}

// Helm never deletes a hook it stops rendering: once every workload has its own login,
// the chart's shared database Secret (and the broad login in it) would stay behind
// unnoticed, so the release notes name it when the cluster still has it.
func TestChartNotesNameTheLeftoverDatabaseSecret(t *testing.T) {
	leftover := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "prod-recall-database", "namespace": namespace}}}
	vals := map[string]any{"database": map[string]any{"commandApi": map[string]any{"existingSecret": "a"},
		"migrations": map[string]any{"existingSecret": "b"}, "relay": map[string]any{"existingSecret": "c"},
		"projector": map[string]any{"existingSecret": "d"}}}
	const says = "Secret prod-recall-database, but Helm leaves hook Secrets"
	if n := notes(t, vals, leftover); !strings.Contains(strings.Join(strings.Fields(n), " "), says) {
		t.Errorf("the notes do not name the leftover Secret:\n%s", n)
	}
	if n := notes(t, vals); strings.Contains(n, "leaves hook Secrets") {
		t.Errorf("the notes name a leftover Secret the cluster does not have:\n%s", n)
	}
	// While a workload still uses it, it is no leftover.
	vals["database"].(map[string]any)["relay"] = map[string]any{}
	if n := notes(t, vals, leftover); strings.Contains(n, "leaves hook Secrets") {
		t.Errorf("the notes call the shared Secret a leftover while the relay uses it:\n%s", n)
	}
}

// secretsOnly is a cluster for the chart's lookup calls holding only the given objects.
type secretsOnly struct {
	client *dynamicfake.FakeDynamicClient
}

func (c secretsOnly) GetClientFor(apiVersion, kind string) (dynamic.NamespaceableResourceInterface, bool, error) {
	if apiVersion != "v1" || kind != "Secret" {
		return nil, false, fmt.Errorf("lookup of %s %s: not in this test's cluster", apiVersion, kind)
	}
	return c.client.Resource(schema.GroupVersionResource{Version: "v1", Resource: "secrets"}), true, nil
}

// withValues is a shallow copy of a with b's entries set.
func withValues(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// verify-full against a private CA: database.ca is mounted read-only into every pod that
// speaks to PostgreSQL and named by PGSSLROOTCERT, which pgx reads as the URLs'
// sslrootcert (TestPGXReadsLibpqEnv); none of it by default; a CA from both a
// Secret and a ConfigMap is refused.
func TestChartDatabaseCA(t *testing.T) {
	replayer := map[string]any{"enabled": true, "args": []any{"offsets", "describe", "--group", "g"}}
	for _, p := range pods(t, mustRender(t, map[string]any{"replayer": replayer})) {
		if e, ok := envOf(p.Containers[0], "PGSSLROOTCERT"); ok {
			t.Errorf("%s: PGSSLROOTCERT %q by default", p.Containers[0].Name, e.Value)
		}
	}
	for source, ca := range map[string]map[string]any{
		"secret:pg-ca/root.crt":      {"secret": "pg-ca", "key": "root.crt"},
		"configMap:pg-ca-map/ca.crt": {"configMap": "pg-ca-map"},
	} {
		ps := pods(t, mustRender(t, map[string]any{"replayer": replayer, "database": map[string]any{"ca": ca}}))
		if len(ps) != 5 {
			t.Fatalf("%d pods, want 5", len(ps))
		}
		for name, p := range ps {
			c := p.Containers[0]
			e, _ := envOf(c, "PGSSLROOTCERT")
			file := e.Value
			var mount *corev1.VolumeMount
			for i, m := range c.VolumeMounts {
				if strings.HasPrefix(file, m.MountPath+"/") {
					mount = &c.VolumeMounts[i]
				}
			}
			if mount == nil || !mount.ReadOnly {
				t.Errorf("%s: PGSSLROOTCERT %q is on no read-only mount (%+v)", name, file, c.VolumeMounts)
				continue
			}
			var got string
			for _, v := range p.Volumes {
				switch {
				case v.Name != mount.Name:
				case v.Secret != nil && len(v.Secret.Items) == 1:
					got = "secret:" + v.Secret.SecretName + "/" + v.Secret.Items[0].Key
				case v.ConfigMap != nil && len(v.ConfigMap.Items) == 1:
					got = "configMap:" + v.ConfigMap.Name + "/" + v.ConfigMap.Items[0].Key
				}
			}
			var path string
			for _, v := range p.Volumes {
				switch {
				case v.Name != mount.Name:
				case v.Secret != nil && len(v.Secret.Items) == 1:
					path = v.Secret.Items[0].Path
				case v.ConfigMap != nil && len(v.ConfigMap.Items) == 1:
					path = v.ConfigMap.Items[0].Path
				}
			}
			if got != source || filepath.Join(mount.MountPath, path) != file || path != filepath.Base(source) {
				t.Errorf("%s: PGSSLROOTCERT %s from %q, want %q", name, file, got, source)
			}
		}
	}
	_, err := renderChart(map[string]any{"database": map[string]any{"ca": map[string]any{"secret": "a", "configMap": "b"}}})
	if err == nil || !strings.Contains(err.Error(), "/database/ca") {
		t.Errorf("a CA from both a Secret and a ConfigMap: %v, want refused", err)
	}
}
