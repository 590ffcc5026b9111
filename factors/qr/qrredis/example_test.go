package qrredis_test

import (
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/strongauth/strongauth/factors/qr/qrredis"
	"github.com/strongauth/strongauth/store/redis"
)

// New checks the client as the contract store does; keys are named by
// digests under "<namespace>:c:qr:". (New does no I/O; nothing listens on
// port 1.)
func ExampleNew() {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	_, err := qrredis.New(qrredis.Config{Client: client})
	fmt.Println(errors.Is(err, qrredis.ErrConfig), errors.Is(err, redis.ErrConfig))

	client = goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	devices, err := qrredis.New(qrredis.Config{Client: client, Namespace: "portal"})
	fmt.Println(err)
	fmt.Println(devices.SubjectKey("alice"))
	// Output:
	// true true
	// <nil>
	// portal:c:qr:sub:2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90
}
