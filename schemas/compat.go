package schemas

import (
	"errors"
	"fmt"

	"github.com/hamba/avro/v2"
)

// CheckCompatibility enforces BACKWARD_TRANSITIVE on the catalog: every
// version of an event type must read data written with every earlier
// version. The registry Recall embeds (srfake) answers every compatibility
// check with yes, so this check — run in CI as a unit test, and by Register
// before it registers anything — is the one that counts.
func CheckCompatibility() error {
	return checkCompatibility(loadCatalog().list)
}

func checkCompatibility(list []Schema) error {
	parsed := make([]avro.Schema, len(list))
	for i, s := range list {
		// A private cache per schema: hamba's global one would mix the
		// versions of one record name.
		sch, err := avro.ParseWithCache(s.Text, "", &avro.SchemaCache{})
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrIncompatible, s.Path, err)
		}
		parsed[i] = sch
	}
	compat := avro.NewSchemaCompatibility()
	var errs []error
	for i, reader := range list {
		for j, writer := range list[:i] {
			if writer.AggregateType != reader.AggregateType || writer.EventType != reader.EventType {
				continue
			}
			if err := compat.Compatible(parsed[i], parsed[j]); err != nil {
				errs = append(errs, fmt.Errorf("%w: %s v%d cannot read v%d: %v",
					ErrIncompatible, reader.EventType, reader.Version, writer.Version, err))
			}
		}
	}
	return errors.Join(errs...)
}
