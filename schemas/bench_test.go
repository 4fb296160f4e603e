package schemas

import "testing"

// The relay encodes every event once on its hot path; consumers decode once.
// Both report events/s so the numbers read directly against the relay's
// budget (well above 100k events/s on one core).

func BenchmarkEncode(b *testing.B) {
	e := sampleEvent(b, "UserCreated", 2)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendEncode(buf[:0], e); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkDecode(b *testing.B) {
	v, err := Encode(sampleEvent(b, "UserCreated", 2))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(v)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkValidate(b *testing.B) {
	data := []byte(sampleData[schemaKey{"UserCreated", 2}])
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate("UserCreated", 2, data); err != nil {
			b.Fatal(err)
		}
	}
}
