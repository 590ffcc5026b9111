package signature

import (
	"cmp"
	"slices"
)

// canonical returns the C14N 1.0 form (REC-xml-c14n-20010315, without
// comments: parsed documents hold none) of the element apex and its
// descendants, leaving out the subtree skip (the enveloped signature, or
// xmlNone). When apex is not the document element it is the apex of a
// document subset, as SignedInfo is: the namespaces in scope and the xml:
// attributes of its ancestors are rendered on it (C14N 1.0 §2.4).
func (d *xmlDoc) canonical(apex, skip int32) []byte {
	c := xmlC14N{d: d, skip: skip, out: make([]byte, 0, d.sizeHint(apex, skip))}
	var inherited []xmlBinding
	var xmlAttrs []xmlAttr
	var ancestors []int32
	for p := d.nodes[apex].parent; p != xmlNone; p = d.nodes[p].parent {
		ancestors = append(ancestors, p)
	}
	for _, p := range slices.Backward(ancestors) { // the root first: inner bindings win
		for _, a := range d.attrsOf(p) {
			switch {
			case a.isNSDecl():
				inherited = setBinding(inherited, xmlBinding{a.declared(), a.value})
			case a.prefix == "xml":
				i := slices.IndexFunc(xmlAttrs, func(o xmlAttr) bool { return o.local == a.local })
				if i < 0 {
					xmlAttrs = append(xmlAttrs, a)
				} else {
					xmlAttrs[i] = a
				}
			}
		}
	}
	c.element(apex, inherited, xmlAttrs)
	return c.out
}

func setBinding(bs []xmlBinding, b xmlBinding) []xmlBinding {
	for i := range bs {
		if bs[i].prefix == b.prefix {
			bs[i] = b
			return bs
		}
	}
	return append(bs, b)
}

// sizeHint is about the size of n's canonical form without skip (more
// when references have to be written).
func (d *xmlDoc) sizeHint(n, skip int32) int {
	e := &d.nodes[n]
	size := 2*(len(e.prefix)+len(e.local)) + 6
	for _, a := range d.attrsOf(n) {
		size += len(a.prefix) + len(a.local) + len(a.value) + 5
	}
	for c := range d.children(n) {
		switch {
		case c == skip:
		case d.nodes[c].elem:
			size += d.sizeHint(c, skip)
		default:
			size += len(d.nodes[c].text)
		}
	}
	return size
}

type xmlC14N struct {
	d    *xmlDoc
	skip int32
	out  []byte
	ns   []xmlBinding // the declarations rendered on the output ancestors, innermost last
	tmp  []xmlAttr    // scratch for sorting attributes
}

// rendered returns the namespace the output ancestors bind prefix to ("",
// the empty default, when none does).
func (c *xmlC14N) rendered(prefix string, upTo int) string {
	for i := upTo - 1; i >= 0; i-- {
		if c.ns[i].prefix == prefix {
			return c.ns[i].uri
		}
	}
	return ""
}

// element writes element n. inherited and xmlAttrs are what the apex of a
// document subset inherits (nil below it).
func (c *xmlC14N) element(n int32, inherited []xmlBinding, xmlAttrs []xmlAttr) {
	d := c.d
	e := &d.nodes[n]
	attrs := d.attrsOf(n)
	// Namespace declarations: those that change what the output ancestors
	// declared, default namespace first, then by prefix.
	mark := len(c.ns)
	declare := func(b xmlBinding) {
		if b.uri != c.rendered(b.prefix, mark) {
			c.ns = append(c.ns, b)
		}
	}
	for _, b := range inherited {
		if !slices.ContainsFunc(attrs, func(a xmlAttr) bool { return a.isNSDecl() && a.declared() == b.prefix }) {
			declare(b)
		}
	}
	for i := range attrs {
		if attrs[i].isNSDecl() {
			declare(xmlBinding{attrs[i].declared(), attrs[i].value})
		}
	}
	decls := c.ns[mark:]
	if len(decls) > 1 {
		slices.SortFunc(decls, func(a, b xmlBinding) int { return cmp.Compare(a.prefix, b.prefix) })
	}
	// Attributes: unqualified first, then by namespace name and local name.
	start := len(c.tmp)
	for i := range attrs {
		if !attrs[i].isNSDecl() {
			c.tmp = append(c.tmp, attrs[i])
		}
	}
	for _, a := range xmlAttrs {
		if !slices.ContainsFunc(attrs, func(o xmlAttr) bool { return o.prefix == "xml" && o.local == a.local }) {
			c.tmp = append(c.tmp, xmlAttr{prefix: "xml", local: a.local, value: a.value, uri: xmlnsXML})
		}
	}
	sorted := c.tmp[start:]
	if len(sorted) > 1 {
		slices.SortFunc(sorted, func(a, b xmlAttr) int {
			return cmp.Or(cmp.Compare(a.uri, b.uri), cmp.Compare(a.local, b.local))
		})
	}

	c.out = append(c.out, '<')
	c.qname(e.prefix, e.local)
	for _, b := range decls {
		c.out = append(c.out, " xmlns"...)
		if b.prefix != "" {
			c.out = append(c.out, ':')
			c.out = append(c.out, b.prefix...)
		}
		c.out = append(c.out, `="`...)
		c.escape(b.uri, true)
		c.out = append(c.out, '"')
	}
	for _, a := range sorted {
		c.out = append(c.out, ' ')
		c.qname(a.prefix, a.local)
		c.out = append(c.out, `="`...)
		c.escape(a.value, true)
		c.out = append(c.out, '"')
	}
	c.out = append(c.out, '>')
	c.tmp = c.tmp[:start]

	for k := range d.children(n) {
		switch {
		case k == c.skip:
		case d.nodes[k].elem:
			c.element(k, nil, nil)
		default:
			c.escape(d.nodes[k].text, false)
		}
	}
	c.out = append(c.out, "</"...)
	c.qname(e.prefix, e.local)
	c.out = append(c.out, '>')
	c.ns = c.ns[:mark]
}

func (c *xmlC14N) qname(prefix, local string) {
	if prefix != "" {
		c.out = append(c.out, prefix...)
		c.out = append(c.out, ':')
	}
	c.out = append(c.out, local...)
}

// escape writes text or an attribute value as C14N does: &amp; &lt; &gt;
// and &#xD; in text; &amp; &lt; &quot; &#x9; &#xA; &#xD; in attributes.
func (c *xmlC14N) escape(s string, attr bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			if attr {
				continue
			}
			esc = "&gt;"
		case '"':
			if !attr {
				continue
			}
			esc = "&quot;"
		case '\t':
			if !attr {
				continue
			}
			esc = "&#x9;"
		case '\n':
			if !attr {
				continue
			}
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		c.out = append(c.out, s[last:i]...)
		c.out = append(c.out, esc...)
		last = i + 1
	}
	c.out = append(c.out, s[last:]...)
}
