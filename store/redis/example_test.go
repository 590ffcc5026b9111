package redis_test

import (
	"context"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/redis"
)

// A client must honour context deadlines; New says which option to set.
func ExampleNew() {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	_, err := redis.New(redis.Config{Client: client})
	fmt.Println(errors.Is(err, redis.ErrConfig))
	fmt.Println(err)

	client = goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer client.Close()
	st, err := redis.New(redis.Config{Client: client, Namespace: "portal"})
	fmt.Println(err)
	fmt.Println(st.Key("sa:flow:0123"))
	// Output:
	// true
	// redis: invalid configuration: the client must honour context deadlines (set ContextTimeoutEnabled: true)
	// <nil>
	// portal:s:sa:flow:0123
}

// A server that cannot answer is a typed error that denies. (Nothing
// listens on port 1.)
func ExampleError() {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true, MaxRetries: -1, DialerRetries: 1})
	defer client.Close()
	st, _ := redis.New(redis.Config{Client: client})
	_, err := st.Consume(context.Background(), "otp:code")
	var re *redis.Error
	fmt.Println(errors.Is(err, store.ErrUnavailable), errors.As(err, &re), re.Op)
	// Output: true true consume
}

// Two engines, as on two instances, share flows through one server. (The
// fake factor stands in for a real one; the example needs a Redis at
// 127.0.0.1:6379, so it is compiled but not run.)
func Example_twoInstances() {
	ctx := context.Background()
	newEngine := func() (*auth.Engine, error) {
		client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
		st, err := redis.New(redis.Config{Client: client, Namespace: "portal"})
		if err != nil {
			return nil, err
		}
		rule, err := auth.ParseRule("webauthn")
		if err != nil {
			return nil, err
		}
		return auth.New(auth.Config{
			Store:    st,
			Factors:  []auth.Factor{authtest.Strong(auth.KindWebAuthn)},
			Policies: []auth.Policy{{Action: "login", Rule: rule}},
		})
	}
	a, errA := newEngine()
	b, errB := newEngine()
	if err := errors.Join(errA, errB); err != nil {
		fmt.Println(err)
		return
	}
	secret, err := a.NewBinding()
	if err != nil {
		fmt.Println("denied:", auth.Code(err))
		return
	}
	flow, err := a.Start(ctx, auth.StartRequest{Action: "login", Binding: secret})
	if err != nil {
		fmt.Println("denied:", auth.Code(err))
		return
	}
	step := auth.StepRequest{FlowID: flow.ID, Binding: secret, Kind: auth.KindWebAuthn}
	if _, err := b.Begin(ctx, step); err != nil { // the other instance continues it
		fmt.Println("denied:", auth.Code(err))
		return
	}
	step.Input = authtest.OK("alice")
	out, err := a.Finish(ctx, step)
	if err != nil {
		fmt.Println("denied:", auth.Code(err))
		return
	}
	fmt.Println(out.Result.Subject, out.Result.ACR)
}
