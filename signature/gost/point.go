package gost

// Short Weierstrass arithmetic y² = x³ + a·x + b in Jacobian coordinates
// (X, Y, Z) ↦ (X/Z², Y/Z³), Z = 0 for the point at infinity. Formulas from the
// Explicit-Formulas Database (hyperelliptic.org/EFD): dbl-2001-b when a = −3,
// dbl-2007-bl otherwise, add-2007-bl and madd-2007-bl, with the exceptional
// cases (infinity, P = Q, P = −Q) handled explicitly. Variable time: public
// data only.

type affine[T limbs] struct{ x, y T }

type jacobian[T limbs] struct{ x, y, z T }

// weierstrass is the arithmetic of one curve over one prime field.
type weierstrass[T limbs] struct {
	f        *modulus[T]
	a, b     T // internal representation
	aMinus3  bool
	identity jacobian[T]
}

func (w *weierstrass[T]) isInfinity(p *jacobian[T]) bool { return w.f.isZero(&p.z) }

func (w *weierstrass[T]) fromAffine(p *jacobian[T], q *affine[T]) {
	p.x, p.y, p.z = q.x, q.y, w.f.one
}

// onCurve reports whether the affine point (internal representation) lies on
// the curve.
func (w *weierstrass[T]) onCurve(q *affine[T]) bool {
	f := w.f
	var lhs, rhs T
	f.sqr(&lhs, &q.y)
	f.sqr(&rhs, &q.x)
	f.add(&rhs, &rhs, &w.a)
	f.mul(&rhs, &rhs, &q.x)
	f.add(&rhs, &rhs, &w.b)
	return f.equal(&lhs, &rhs)
}

// double sets r = 2·p. r may alias p.
func (w *weierstrass[T]) double(r, p *jacobian[T]) {
	f := w.f
	if w.isInfinity(p) || w.f.isZero(&p.y) {
		*r = w.identity
		return
	}
	if w.aMinus3 {
		// dbl-2001-b: 3M + 5S.
		var delta, gamma, beta, alpha, t1, t2 T
		f.sqr(&delta, &p.z)
		f.sqr(&gamma, &p.y)
		f.mul(&beta, &p.x, &gamma)
		f.sub(&t1, &p.x, &delta)
		f.add(&t2, &p.x, &delta)
		f.mul(&alpha, &t1, &t2)
		f.mulSmall(&alpha, &alpha, 3) // alpha = 3(X−δ)(X+δ)
		// Z3 = (Y+Z)² − γ − δ
		f.add(&t1, &p.y, &p.z)
		f.sqr(&t1, &t1)
		f.sub(&t1, &t1, &gamma)
		f.sub(&r.z, &t1, &delta)
		// X3 = α² − 8β
		f.mulSmall(&beta, &beta, 4) // 4β
		f.sqr(&t1, &alpha)
		f.add(&t2, &beta, &beta) // 8β
		f.sub(&r.x, &t1, &t2)
		// Y3 = α(4β − X3) − 8γ²
		f.sub(&t1, &beta, &r.x)
		f.mul(&t1, &alpha, &t1)
		f.sqr(&gamma, &gamma)
		f.mulSmall(&gamma, &gamma, 8) // 8γ²
		f.sub(&r.y, &t1, &gamma)
		return
	}
	// dbl-2007-bl: 1M + 8S + 1·a.
	var xx, yy, yyyy, zz, s, m, t T
	f.sqr(&xx, &p.x)
	f.sqr(&yy, &p.y)
	f.sqr(&yyyy, &yy)
	f.sqr(&zz, &p.z)
	f.add(&s, &p.x, &yy)
	f.sqr(&s, &s)
	f.sub(&s, &s, &xx)
	f.sub(&s, &s, &yyyy)
	f.add(&s, &s, &s) // S = 2((X+YY)² − XX − YYYY)
	f.sqr(&m, &zz)
	f.mul(&m, &m, &w.a)
	f.mulSmall(&t, &xx, 3)
	f.add(&m, &m, &t) // M = 3XX + a·ZZ²
	// Z3 = (Y+Z)² − YY − ZZ (before X, Y are overwritten)
	f.add(&t, &p.y, &p.z)
	f.sqr(&t, &t)
	f.sub(&t, &t, &yy)
	f.sub(&r.z, &t, &zz)
	// X3 = M² − 2S
	f.sqr(&t, &m)
	f.sub(&t, &t, &s)
	f.sub(&r.x, &t, &s)
	// Y3 = M(S − X3) − 8YYYY
	f.sub(&t, &s, &r.x)
	f.mul(&t, &m, &t)
	f.mulSmall(&yyyy, &yyyy, 8)
	f.sub(&r.y, &t, &yyyy)
}

// add sets r = p + q. r may alias p or q.
func (w *weierstrass[T]) add(r, p, q *jacobian[T]) {
	if w.isInfinity(p) {
		*r = *q
		return
	}
	if w.isInfinity(q) {
		*r = *p
		return
	}
	f := w.f
	// add-2007-bl: 11M + 5S.
	var z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t T
	f.sqr(&z1z1, &p.z)
	f.sqr(&z2z2, &q.z)
	f.mul(&u1, &p.x, &z2z2)
	f.mul(&u2, &q.x, &z1z1)
	f.mul(&s1, &p.y, &q.z)
	f.mul(&s1, &s1, &z2z2)
	f.mul(&s2, &q.y, &p.z)
	f.mul(&s2, &s2, &z1z1)
	f.sub(&h, &u2, &u1)
	f.sub(&rr, &s2, &s1)
	if w.exceptional(r, p, &h, &rr) {
		return
	}
	f.add(&rr, &rr, &rr)
	f.add(&i, &h, &h)
	f.sqr(&i, &i)
	f.mul(&j, &h, &i)
	f.mul(&v, &u1, &i)
	// Z3 = ((Z1+Z2)² − Z1Z1 − Z2Z2)·H (before p, q may be overwritten)
	f.add(&t, &p.z, &q.z)
	f.sqr(&t, &t)
	f.sub(&t, &t, &z1z1)
	f.sub(&t, &t, &z2z2)
	f.mul(&r.z, &t, &h)
	f.mul(&s1, &s1, &j)
	w.finishAdd(r, &rr, &j, &v, &s1)
}

// exceptional handles H = U2 − U1 = 0 in an addition: the points are equal
// (R = S2 − S1 = 0, so double) or opposite (the sum is infinity). It reports
// whether it set r.
func (w *weierstrass[T]) exceptional(r, p *jacobian[T], h, rr *T) bool {
	if !w.f.isZero(h) {
		return false
	}
	if w.f.isZero(rr) {
		w.double(r, p)
	} else {
		*r = w.identity
	}
	return true
}

// finishAdd computes X3 = R² − J − 2V and Y3 = R(V − X3) − 2·S1J, the common
// tail of add-2007-bl and madd-2007-bl.
func (w *weierstrass[T]) finishAdd(r *jacobian[T], rr, j, v, s1j *T) {
	f := w.f
	var t T
	f.sqr(&t, rr)
	f.sub(&t, &t, j)
	f.sub(&t, &t, v)
	f.sub(&r.x, &t, v)
	f.sub(&t, v, &r.x)
	f.mul(&t, rr, &t)
	f.add(s1j, s1j, s1j)
	f.sub(&r.y, &t, s1j)
}

// addAffine sets r = p + q for an affine q (Z = 1). r may alias p.
func (w *weierstrass[T]) addAffine(r, p *jacobian[T], q *affine[T]) {
	if w.isInfinity(p) {
		w.fromAffine(r, q)
		return
	}
	f := w.f
	// madd-2007-bl: 7M + 4S.
	var z1z1, u2, s2, h, hh, i, j, rr, v, t T
	f.sqr(&z1z1, &p.z)
	f.mul(&u2, &q.x, &z1z1)
	f.mul(&s2, &q.y, &p.z)
	f.mul(&s2, &s2, &z1z1)
	f.sub(&h, &u2, &p.x)
	f.sub(&rr, &s2, &p.y)
	if w.exceptional(r, p, &h, &rr) {
		return
	}
	f.add(&rr, &rr, &rr)
	f.sqr(&hh, &h)
	f.mulSmall(&i, &hh, 4)
	f.mul(&j, &h, &i)
	f.mul(&v, &p.x, &i)
	// Z3 = (Z1+H)² − Z1Z1 − HH
	f.add(&t, &p.z, &h)
	f.sqr(&t, &t)
	f.sub(&t, &t, &z1z1)
	f.sub(&r.z, &t, &hh)
	var y1j T
	f.mul(&y1j, &p.y, &j)
	w.finishAdd(r, &rr, &j, &v, &y1j)
}
