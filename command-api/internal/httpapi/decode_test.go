package httpapi

import "testing"

func TestDecodeBody(t *testing.T) {
	for _, tc := range []struct {
		body     string
		optional bool
		status   int
		field    string
	}{
		{`{"first_name":"A"}`, false, 0, ""},
		{``, true, 0, ""},
		{``, false, 400, ""},
		{`{"first_name":`, false, 400, ""},
		{`{"first_name":"A"}x`, false, 400, ""},
		{`{"nick":"A"}`, false, 422, "nick"},
		{`{"first_name":7}`, false, 422, "first_name"},
		{`[{"first_name":"A"}]`, false, 422, "body"},
		{`nul`, false, 400, ""},
		// One value per field, and exactly the documented names.
		{`{"first_name":"A","first_name":"B"}`, false, 422, "first_name"},
		{`{"first_name":"A","last_name":"L","first_name":"B"}`, false, 422, "first_name"},
		{`{"First_Name":"A"}`, false, 422, "First_Name"},
		{`{"FIRST_NAME":"A"}`, false, 422, "FIRST_NAME"},
		{`{"first_nam\u0065":"A"}`, false, 0, ""}, // an escape of the same name is the same name
		{`{"reason":null,"first_name":"A"}`, false, 0, ""},
	} {
		var v updateUserRequest
		p := decodeBody([]byte(tc.body), &v, tc.optional)
		switch {
		case tc.status == 0 && p != nil:
			t.Errorf("%q: unexpected %+v", tc.body, p)
		case tc.status != 0 && (p == nil || p.Status != tc.status):
			t.Errorf("%q: got %+v, want %d", tc.body, p, tc.status)
		case tc.field != "" && p.Errors[tc.field] == "":
			t.Errorf("%q: no error for %s: %+v", tc.body, tc.field, p)
		}
	}
}
