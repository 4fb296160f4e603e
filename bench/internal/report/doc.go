// Package report turns a harness run into what people read: a markdown table with the goal
// of each figure beside it (the goals of issues 2–5), a JSON file for tools, and a section
// appended to docs/benchmarks.md with the machine the figures come from.
//
//	res := report.Result{Profile: "small", Machine: report.ThisMachine(pgVersion)}
//	res.Throughput = rows // …
//	report.Markdown(os.Stdout, res)
//	err := report.WriteJSON(path, res)
//	err = report.AppendDoc(docPath, res)
package report
