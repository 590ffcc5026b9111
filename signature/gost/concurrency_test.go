package gost_test

import (
	"bytes"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

// TestConcurrentVerify shares keys, curves and hash tables between many
// goroutines (run it with -race): every valid signature verifies and every
// tampered one fails, in any interleaving.
func TestConcurrentVerify(t *testing.T) {
	type job struct {
		alg  *gost.Algorithm
		pub  *gost.PublicKey
		msg  []byte
		sig  []byte
		good bool
	}
	var jobs []job
	for i, alg := range gost.Algorithms() {
		c := gost.CurveCryptoProA()
		if alg.KeyBitSize == 512 {
			c = gost.CurveTC26512A()
		}
		k, err := gosttest.GenerateKey(c, rand.NewChaCha8([32]byte{byte(i)}))
		require.NoError(t, err)
		msg := bytes.Repeat([]byte{byte(i)}, 100+i)
		sig, err := gosttest.SignMessage(rand.NewChaCha8([32]byte{byte(i + 50)}), k, alg.SignatureOID, msg)
		require.NoError(t, err)
		jobs = append(jobs, job{alg, k.Public(), msg, sig, true})
		bad := bytes.Clone(sig)
		bad[len(bad)/2] ^= 4
		jobs = append(jobs, job{alg, k.Public(), msg, bad, false})
	}
	const workers = 16
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				j := jobs[(i+w)%len(jobs)]
				if err := gost.CheckSignature(j.alg.SignatureOID, j.pub, j.msg, j.sig); err == nil {
					if !j.good {
						t.Errorf("tampered %s signature accepted", j.alg.Name)
					}
					ok.Add(1)
				} else {
					if j.good {
						t.Errorf("%s: %v", j.alg.Name, err)
					}
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int64(workers*len(jobs)/2), ok.Load())
	require.Equal(t, int64(workers*len(jobs)/2), failed.Load())
}
