package deploytest

import (
	"maps"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
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

func notes(t *testing.T, vals map[string]any) string {
	t.Helper()
	files, err := renderFiles(vals)
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
// recall_relay, recall_projector), from its own Secret; those without one share
// database.url, and the release notes say which share it.
func TestChartDatabaseLogins(t *testing.T) {
	replayer := map[string]any{"enabled": true, "args": []any{"offsets", "describe", "--group", "g"}}
	own := map[string]any{"existingSecretKey": "url",
		"migrations": map[string]any{"existingSecret": "db-migrate"}, "commandApi": map[string]any{"existingSecret": "db-api"},
		"relay": map[string]any{"existingSecret": "db-relay"}, "projector": map[string]any{"existingSecret": "db-projector"},
		"replayer": map[string]any{"existingSecret": "db-replayer"}}

	t.Run("shared by default", func(t *testing.T) {
		vals := map[string]any{"replayer": replayer}
		objs := mustRender(t, vals)
		ps := pods(t, objs)
		if len(ps) != 5 {
			t.Fatalf("%d pods, want 5", len(ps))
		}
		for name, p := range ps {
			if got := databaseSecret(t, p); got != "prod-recall-database/database-url" {
				t.Errorf("%s: DATABASE_URL from %s, want the chart's Secret", name, got)
			}
		}
		one(t, objs, "Secret", "-database")
		if n := notes(t, vals); !strings.Contains(n, "commandApi, migrations, projector, relay, replayer share one PostgreSQL login") {
			t.Errorf("the notes do not say the login is shared:\n%s", n)
		}
	})

	t.Run("one login each", func(t *testing.T) {
		own := withValues(own, map[string]any{"url": ""}) // no shared URL needed
		vals := map[string]any{"replayer": replayer, "database": own}
		objs := mustRender(t, vals)
		want := map[string]string{"migrations": "db-migrate", "command-api": "db-api", "relay": "db-relay",
			"projector": "db-projector", "replayer": "db-replayer"}
		for name, p := range pods(t, objs) {
			if got := databaseSecret(t, p); got != want[name]+"/url" {
				t.Errorf("%s: DATABASE_URL from %s, want %s/url", name, got, want[name])
			}
		}
		if s := find(objs, "Secret", "-database"); len(s) != 0 {
			t.Errorf("the shared database Secret is rendered though no workload uses it: %v", s)
		}
		if n := notes(t, vals); strings.Contains(n, "share one PostgreSQL login") || strings.Contains(n, "placeholder") {
			t.Errorf("the notes warn of a shared login no one uses:\n%s", n)
		}
	})

	t.Run("some share", func(t *testing.T) {
		d := withValues(own, nil)
		delete(d, "migrations")
		delete(d, "commandApi")
		vals := map[string]any{"database": d}
		objs := mustRender(t, vals)
		ps := pods(t, objs)
		for name, want := range map[string]string{"migrations": "prod-recall-database/url", "command-api": "prod-recall-database/url",
			"relay": "db-relay/url", "projector": "db-projector/url"} {
			if got := databaseSecret(t, ps[name]); got != want {
				t.Errorf("%s: DATABASE_URL from %s, want %s", name, got, want)
			}
		}
		one(t, objs, "Secret", "-database")
		if n := notes(t, vals); !strings.Contains(n, "commandApi, migrations share one PostgreSQL login") {
			t.Errorf("the notes do not name the two sharing a login:\n%s", n)
		}
	})

	t.Run("a workload left without a login", func(t *testing.T) {
		d := withValues(own, map[string]any{"url": ""})
		delete(d, "relay")
		_, err := renderChart(map[string]any{"replayer": replayer, "database": d})
		if err == nil || !strings.Contains(err.Error(), "database.url") || !strings.Contains(err.Error(), "relay") {
			t.Fatalf("rendered with the relay's login missing (%v); want an error naming database.url and relay", err)
		}
	})
}

// withValues is a shallow copy of a with b's entries set.
func withValues(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// verify-full against a private CA: database.ca is mounted read-only into every pod that
// speaks to PostgreSQL and named by PGSSLROOTCERT, which pgx reads as the URLs'
// sslrootcert (TestPGXReadsPGSSLROOTCERT); none of it by default; a CA from both a
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
			if got != source || !strings.HasSuffix(file, "/"+source[strings.LastIndex(source, "/")+1:]) {
				t.Errorf("%s: PGSSLROOTCERT %s from %q, want %q", name, file, got, source)
			}
		}
	}
	_, err := renderChart(map[string]any{"database": map[string]any{"ca": map[string]any{"secret": "a", "configMap": "b"}}})
	if err == nil || !strings.Contains(err.Error(), "/database/ca") {
		t.Errorf("a CA from both a Secret and a ConfigMap: %v, want refused", err)
	}
}
