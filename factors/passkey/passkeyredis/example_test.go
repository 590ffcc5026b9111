package passkeyredis_test

import (
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeyredis"
	"github.com/strongauth/strongauth/store/redis"
)

// New checks the client as the contract store does, and the keys it will
// use are named by digests under "<namespace>:c:passkey:". (New does no
// I/O; nothing listens on port 1.)
func ExampleNew() {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	_, err := passkeyredis.New(passkeyredis.Config{Client: client})
	fmt.Println(errors.Is(err, passkeyredis.ErrConfig), errors.Is(err, redis.ErrConfig))

	client = goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	creds, err := passkeyredis.New(passkeyredis.Config{Client: client, Namespace: "portal"})
	fmt.Println(err)
	fmt.Println(creds.RecordKey([]byte("credential-id")))
	fmt.Println(creds.IndexKey("alice"))
	// Output:
	// true true
	// <nil>
	// portal:c:passkey:id:e5bbb66a41a1cbb92899bbf023b55ce54d0b38f890235442efc0c336f404823c
	// portal:c:passkey:sub:2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90
}

// The passkey factor keeps ceremonies in the short-lived store and
// credentials in the durable one; here both are on Redis, the credentials
// on a server with persistence. (Compiled, not run: it needs the servers.)
func Example_withFactor() {
	flows := goredis.NewClient(&goredis.Options{Addr: "redis-cache:6379", ContextTimeoutEnabled: true})
	durable := goredis.NewClient(&goredis.Options{Addr: "redis-aof:6379", ContextTimeoutEnabled: true})
	st, err := redis.New(redis.Config{Client: flows, Namespace: "portal"})
	if err != nil {
		panic(err)
	}
	creds, err := passkeyredis.New(passkeyredis.Config{Client: durable, Namespace: "portal"})
	if err != nil {
		panic(err)
	}
	pk, err := passkey.New(passkey.Config{RPID: "example.kz", Origins: []string{"https://example.kz"},
		Store: st, Credentials: creds})
	if err != nil {
		panic(err)
	}
	_ = pk // give it to auth.New with the other factors
}
