// Package deploytest validates what this machine cannot run: the Docker Compose
// file, the Helm chart, the Grafana dashboard, the Prometheus alerts and the
// AsyncAPI document. See the tests for what each checks.
package deploytest
