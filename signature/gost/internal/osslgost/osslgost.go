//go:build cgo && unix

package osslgost

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

// The few libcrypto (OpenSSL 3) functions the comparison needs, declared here
// with opaque pointers and resolved by dlsym: no OpenSSL headers at build time.
typedef void *(*engine_by_id_fn)(const char *);
typedef int (*engine_int_fn)(void *);
typedef int (*engine_set_default_fn)(void *, unsigned int);
typedef void *(*d2i_pubkey_fn)(void **, const unsigned char **, long);
typedef void (*free_fn)(void *);
typedef void *(*ctx_new_fn)(void *, void *);
typedef int (*ctx_int_fn)(void *);
typedef int (*verify_fn)(void *, const unsigned char *, size_t, const unsigned char *, size_t);
typedef void (*clear_error_fn)(void);

static struct {
	engine_by_id_fn engine_by_id;
	engine_int_fn engine_init;
	engine_set_default_fn engine_set_default;
	d2i_pubkey_fn d2i_pubkey;
	free_fn pkey_free;
	ctx_new_fn ctx_new;
	free_fn ctx_free;
	ctx_int_fn verify_init;
	verify_fn verify;
	clear_error_fn clear_error;
	void *engine;
} ossl;

// ossl_load returns 0 on success, or a step number that failed.
static int ossl_load(void) {
	void *h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_GLOBAL);
	if (h == NULL) return 1;
#define SYM(field, name) if ((*(void **)&ossl.field = dlsym(h, name)) == NULL) return 2;
	SYM(engine_by_id, "ENGINE_by_id")
	SYM(engine_init, "ENGINE_init")
	SYM(engine_set_default, "ENGINE_set_default")
	SYM(d2i_pubkey, "d2i_PUBKEY")
	SYM(pkey_free, "EVP_PKEY_free")
	SYM(ctx_new, "EVP_PKEY_CTX_new")
	SYM(ctx_free, "EVP_PKEY_CTX_free")
	SYM(verify_init, "EVP_PKEY_verify_init")
	SYM(verify, "EVP_PKEY_verify")
	SYM(clear_error, "ERR_clear_error")
#undef SYM
	void *e = ossl.engine_by_id("gost");
	if (e == NULL) { ossl.clear_error(); return 3; }
	if (ossl.engine_init(e) != 1) { ossl.clear_error(); return 4; }
	// ENGINE_METHOD_ALL: the engine's ASN.1 methods parse GOST keys.
	if (ossl.engine_set_default(e, 0xFFFF) != 1) { ossl.clear_error(); return 5; }
	ossl.engine = e;
	return 0;
}

static void *ossl_parse(const unsigned char *der, long n) {
	void *k = ossl.d2i_pubkey(NULL, &der, n);
	if (k == NULL) { ossl.clear_error(); return NULL; }
	void *ctx = ossl.ctx_new(k, ossl.engine);
	ossl.pkey_free(k); // the context holds its own reference
	if (ctx == NULL) { ossl.clear_error(); return NULL; }
	if (ossl.verify_init(ctx) != 1) { ossl.ctx_free(ctx); ossl.clear_error(); return NULL; }
	return ctx;
}

static int ossl_verify(void *ctx, const unsigned char *sig, size_t siglen, const unsigned char *dgst, size_t dlen) {
	int rc = ossl.verify(ctx, sig, siglen, dgst, dlen);
	if (rc != 1) ossl.clear_error();
	return rc == 1;
}

static void ossl_free(void *ctx) { ossl.ctx_free(ctx); }
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

var load = sync.OnceValue(func() error {
	switch rc := C.ossl_load(); rc {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%w: libcrypto.so.3 not found (Debian: libssl3)", ErrUnavailable)
	case 2:
		return fmt.Errorf("%w: libcrypto.so.3 lacks the ENGINE/EVP_PKEY functions", ErrUnavailable)
	default:
		return fmt.Errorf("%w: the gost engine does not load (Debian: libengine-gost-openssl), step %d", ErrUnavailable, rc)
	}
})

// Available loads libcrypto and the gost engine once and reports why they
// cannot be used.
func Available() error { return load() }

// Verifier verifies signatures of one public key through the engine.
type Verifier struct {
	mu  sync.Mutex
	ctx unsafe.Pointer
}

// NewVerifier parses a DER SubjectPublicKeyInfo with Russian OIDs (the only
// ones the engine knows) and prepares a verification context.
func NewVerifier(spki []byte) (*Verifier, error) {
	if err := load(); err != nil {
		return nil, err
	}
	if len(spki) == 0 {
		return nil, errors.New("osslgost: empty key")
	}
	p := C.CBytes(spki)
	defer C.free(p)
	ctx := C.ossl_parse((*C.uchar)(p), C.long(len(spki)))
	if ctx == nil {
		return nil, errors.New("osslgost: the engine refused the public key")
	}
	v := &Verifier{ctx: ctx}
	runtime.AddCleanup(v, func(ctx unsafe.Pointer) { C.ossl_free(ctx) }, ctx)
	return v, nil
}

// Verify checks an RFC 4491 signature (s‖r, each big-endian) of a digest in
// the byte order every GOST hash outputs.
func (v *Verifier) Verify(digest, sig []byte) bool {
	if len(digest) == 0 || len(sig) == 0 {
		return false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	ok := C.ossl_verify(v.ctx, (*C.uchar)(unsafe.Pointer(&sig[0])), C.size_t(len(sig)),
		(*C.uchar)(unsafe.Pointer(&digest[0])), C.size_t(len(digest)))
	runtime.KeepAlive(v)
	return ok == 1
}
