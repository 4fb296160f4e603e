package stack

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
)

// Port names one address the stack listens on; the names are those of Options' fields.
const (
	PortPostgres  = "PostgresPort"
	PortKafka     = "KafkaAddr"
	PortRegistry  = "RegistryAddr"
	PortAPI       = "APIAddr"
	PortRelay     = "RelayListen"
	PortProjector = "ProjectorListen"
)

// BusyPortError says that an address the stack needs is taken. Start checks every
// address before starting anything, so one error names all of them (errors.Join).
type BusyPortError struct {
	Port string // one of the Port* names
	Addr string
	Err  error
}

func (e *BusyPortError) Error() string {
	return fmt.Sprintf("%s %s is in use: %v", e.Port, e.Addr, e.Err)
}

func (e *BusyPortError) Unwrap() error { return e.Err }

// addrs lists every address the stack will listen on, in the order it starts them.
func (o Options) addrs() [][2]string {
	all := [][2]string{
		{PortPostgres, net.JoinHostPort("127.0.0.1", strconv.Itoa(o.PostgresPort))},
		{PortKafka, o.KafkaAddr}, {PortRegistry, o.RegistryAddr},
	}
	for _, svc := range [][3]string{{"command-api", PortAPI, o.APIAddr},
		{"relay", PortRelay, o.RelayListen}, {"projector", PortProjector, o.ProjectorListen}} {
		if !slices.Contains(o.Without, svc[0]) {
			all = append(all, [2]string{svc[1], svc[2]})
		}
	}
	return all
}

// checkPorts tries to listen on every address and reports each one that is taken, so a
// user moving ports does not discover them one restart at a time.
func (o Options) checkPorts() error {
	var errs []error
	for _, a := range o.addrs() {
		l, err := net.Listen("tcp", a[1])
		if err != nil {
			errs = append(errs, &BusyPortError{Port: a[0], Addr: a[1], Err: err})
			continue
		}
		l.Close()
	}
	return errors.Join(errs...)
}
