package fakeservice

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// This file is the expression language, for top-level attributes only:
// ConditionExpression and FilterExpression (comparisons = <> < <= > >=,
// BETWEEN, IN, AND, OR, NOT, parentheses, attribute_exists,
// attribute_not_exists, attribute_type, begins_with, contains),
// KeyConditionExpression (the subset Query accepts), UpdateExpression (SET
// with + and -, if_not_exists and list_append; REMOVE; ADD; DELETE) and
// ProjectionExpression. Nested document paths (a.b, a[0]) and size() are
// refused with a ValidationException that says so. Reserved words are not
// checked.

// exprContext holds a request's ExpressionAttributeNames and Values and
// which of them its expressions used, so that unused ones are refused as
// DynamoDB refuses them.
type exprContext struct {
	names      map[string]string
	values     map[string]attrValue
	usedNames  map[string]bool
	usedValues map[string]bool
}

// newExprContext decodes a request's ExpressionAttributeNames and
// ExpressionAttributeValues. hasExpr says whether the request has any
// expression: without one, either map is an error.
func newExprContext(names map[string]string, rawValues map[string]json.RawMessage, hasExpr bool) (*exprContext, error) {
	switch {
	case names != nil && !hasExpr:
		return nil, validationError("ExpressionAttributeNames can only be specified when using expressions")
	case rawValues != nil && !hasExpr:
		return nil, validationError("ExpressionAttributeValues can only be specified when using expressions")
	case names != nil && len(names) == 0:
		return nil, validationError("ExpressionAttributeNames must not be empty")
	case rawValues != nil && len(rawValues) == 0:
		return nil, validationError("ExpressionAttributeValues must not be empty")
	}
	values, err := decodeItem(rawValues)
	if err != nil {
		return nil, err
	}
	for k := range values {
		if !strings.HasPrefix(k, ":") {
			return nil, validationError("ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + k + "\"")
		}
	}
	for k := range names {
		if !strings.HasPrefix(k, "#") {
			return nil, validationError("ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + k + "\"")
		}
	}
	return &exprContext{names: names, values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}, nil
}

// checkUnused refuses names or values no expression used.
func (c *exprContext) checkUnused() error {
	var unused []string
	for k := range c.names {
		if !c.usedNames[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		slices.Sort(unused)
		return validationError("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
	}
	for k := range c.values {
		if !c.usedValues[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		slices.Sort(unused)
		return validationError("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
	}
	return nil
}

// Tokens.

type tokKind int

const (
	tEOF tokKind = iota
	tName
	tValue // :v
	tAttrName
	tOp // = <> < <= > >= + -
	tLParen
	tRParen
	tComma
	tNested // . [ ] : document paths, not supported
)

type token struct {
	kind tokKind
	text string
}

// tokenize splits an expression; msg says what is wrong when it cannot.
func tokenize(s string) (toks []token, msg string) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "("})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")"})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ","})
			i++
		case c == '.' || c == '[' || c == ']':
			toks = append(toks, token{tNested, string(c)})
			i++
		case c == '=' || c == '+' || c == '-':
			toks = append(toks, token{tOp, string(c)})
			i++
		case c == '<' || c == '>':
			j := i + 1
			if j < len(s) && (s[j] == '=' || (c == '<' && s[j] == '>')) {
				j++
			}
			toks = append(toks, token{tOp, s[i:j]})
			i = j
		case c == ':' || c == '#' || isNameChar(c):
			j := i + 1
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			k := tName
			switch c {
			case ':':
				k = tValue
			case '#':
				k = tAttrName
			}
			if j == i+1 && k != tName {
				return nil, fmt.Sprintf("Syntax error; token: %q, near: %q", s[i:j], near(s, i))
			}
			toks = append(toks, token{k, s[i:j]})
			i = j
		default:
			return nil, fmt.Sprintf("Invalid character encountered; character: %q", string(c))
		}
	}
	return append(toks, token{tEOF, "<EOF>"}), ""
}

func isNameChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func near(s string, i int) string {
	return s[max(0, i-10):min(len(s), i+10)]
}

// exprParser is a recursive-descent parser over one expression's tokens.
type exprParser struct {
	ctx  *exprContext
	what string // "ConditionExpression", ... for messages
	toks []token
	pos  int
}

func (c *exprContext) parser(what, expr string) (*exprParser, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, validationError("Invalid " + what + ": The expression can not be empty;")
	}
	toks, msg := tokenize(expr)
	if msg != "" {
		return nil, validationError("Invalid " + what + ": " + msg)
	}
	return &exprParser{ctx: c, what: what, toks: toks}, nil
}

func (p *exprParser) peek() token { return p.toks[p.pos] }
func (p *exprParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *exprParser) syntax() error {
	t := p.peek()
	if t.kind == tNested {
		return validationError("fakeservice supports only top-level attribute names in " + p.what + ", not nested document paths")
	}
	lo, hi := max(0, p.pos-1), min(len(p.toks)-1, p.pos+1)
	var near []string
	for _, x := range p.toks[lo : hi+1] {
		if x.kind != tEOF {
			near = append(near, x.text)
		}
	}
	return validationError(fmt.Sprintf("Invalid %s: Syntax error; token: %q, near: %q", p.what, t.text, strings.Join(near, " ")))
}

func (p *exprParser) keyword(kw string) bool {
	t := p.peek()
	if t.kind == tName && strings.EqualFold(t.text, kw) {
		p.pos++
		return true
	}
	return false
}

func (p *exprParser) expect(k tokKind) error {
	if p.peek().kind != k {
		return p.syntax()
	}
	p.pos++
	return nil
}

func (p *exprParser) done() error {
	if p.peek().kind != tEOF {
		return p.syntax()
	}
	return nil
}

// operand is a path (a resolved top-level attribute name) or a value.
type operand struct {
	path   string
	isPath bool
	val    attrValue
	text   string // as written, for messages
}

// get returns the operand's value in item.
func (o operand) get(item map[string]attrValue) (attrValue, bool) {
	if !o.isPath {
		return o.val, true
	}
	v, ok := item[o.path]
	return v, ok
}

var reservedFunctions = []string{"attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size", "if_not_exists", "list_append"}

// path parses a top-level attribute path.
func (p *exprParser) path() (operand, error) {
	t := p.peek()
	var name string
	switch t.kind {
	case tName:
		if contains(reservedFunctions, strings.ToLower(t.text)) || isKeyword(t.text) {
			return operand{}, p.syntax()
		}
		name = t.text
	case tAttrName:
		n, ok := p.ctx.names[t.text]
		if !ok {
			return operand{}, validationError("Invalid " + p.what + ": An expression attribute name used in the document path is not defined; attribute name: " + t.text)
		}
		p.ctx.usedNames[t.text] = true
		name = n
	default:
		return operand{}, p.syntax()
	}
	p.pos++
	if p.peek().kind == tNested {
		return operand{}, p.syntax()
	}
	return operand{path: name, isPath: true, text: t.text}, nil
}

// operand parses a path or a :value.
func (p *exprParser) operand() (operand, error) {
	t := p.peek()
	if t.kind == tValue {
		v, ok := p.ctx.values[t.text]
		if !ok {
			return operand{}, validationError("Invalid " + p.what + ": An expression attribute value used in expression is not defined; attribute value: " + t.text)
		}
		p.ctx.usedValues[t.text] = true
		p.pos++
		return operand{val: v, text: t.text}, nil
	}
	if t.kind == tName && strings.EqualFold(t.text, "size") {
		return operand{}, validationError("fakeservice does not support size() in " + p.what)
	}
	return p.path()
}

func isKeyword(s string) bool {
	switch strings.ToUpper(s) {
	case "AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE":
		return true
	}
	return false
}

// Conditions.

type condKind int

const (
	cAnd condKind = iota
	cOr
	cNot
	cCmp     // args[0] op args[1]
	cBetween // args[0] BETWEEN args[1] AND args[2]
	cIn      // args[0] IN (args[1:]...)
	cFunc    // op(args...)
)

// cond is a parsed condition.
type cond struct {
	kind condKind
	op   string // comparator or lower-case function name
	kids []*cond
	args []operand
}

// parseCondition parses a ConditionExpression, FilterExpression or
// KeyConditionExpression.
func (c *exprContext) parseCondition(what, expr string) (*cond, error) {
	p, err := c.parser(what, expr)
	if err != nil {
		return nil, err
	}
	x, err := p.or()
	if err != nil {
		return nil, err
	}
	return x, p.done()
}

func (p *exprParser) or() (*cond, error) {
	x, err := p.and()
	for err == nil && p.keyword("OR") {
		var y *cond
		if y, err = p.and(); err == nil {
			x = &cond{kind: cOr, kids: []*cond{x, y}}
		}
	}
	return x, err
}

func (p *exprParser) and() (*cond, error) {
	x, err := p.not()
	for err == nil && p.keyword("AND") {
		var y *cond
		if y, err = p.not(); err == nil {
			x = &cond{kind: cAnd, kids: []*cond{x, y}}
		}
	}
	return x, err
}

func (p *exprParser) not() (*cond, error) {
	if p.keyword("NOT") {
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &cond{kind: cNot, kids: []*cond{x}}, nil
	}
	return p.primary()
}

var condFunctions = map[string]int{ // name -> argument count
	"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2,
}

func (p *exprParser) primary() (*cond, error) {
	t := p.peek()
	if t.kind == tLParen {
		p.pos++
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		return x, p.expect(tRParen)
	}
	if t.kind == tName && p.toks[p.pos+1].kind == tLParen {
		fn := strings.ToLower(t.text)
		n, ok := condFunctions[fn]
		if !ok {
			if contains(reservedFunctions, fn) {
				return nil, validationError("Invalid " + p.what + ": The function is not allowed to be used this way in an expression; function: " + t.text)
			}
			return nil, validationError("Invalid " + p.what + ": Invalid function name; function: " + t.text)
		}
		p.pos += 2
		x := &cond{kind: cFunc, op: fn}
		for i := range n {
			if i > 0 {
				if err := p.expect(tComma); err != nil {
					return nil, err
				}
			}
			var o operand
			var err error
			if i == 0 {
				o, err = p.path()
			} else {
				o, err = p.operand()
			}
			if err != nil {
				return nil, err
			}
			x.args = append(x.args, o)
		}
		return x, p.expect(tRParen)
	}
	a, err := p.operand()
	if err != nil {
		return nil, err
	}
	switch {
	case p.peek().kind == tOp && p.peek().text != "+" && p.peek().text != "-":
		op := p.next().text
		b, err := p.operand()
		if err != nil {
			return nil, err
		}
		return &cond{kind: cCmp, op: op, args: []operand{a, b}}, nil
	case p.keyword("BETWEEN"):
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, p.syntax()
		}
		hi, err := p.operand()
		if err != nil {
			return nil, err
		}
		if !lo.isPath && !hi.isPath {
			if c, ok := compareValues(lo.val, hi.val); ok && c > 0 {
				return nil, validationError(fmt.Sprintf("Invalid %s: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s}, upper bound operand: AttributeValue: {%s}",
					p.what, describeValue(lo.val), describeValue(hi.val)))
			}
		}
		return &cond{kind: cBetween, args: []operand{a, lo, hi}}, nil
	case p.keyword("IN"):
		if err := p.expect(tLParen); err != nil {
			return nil, err
		}
		x := &cond{kind: cIn, args: []operand{a}}
		for {
			o, err := p.operand()
			if err != nil {
				return nil, err
			}
			x.args = append(x.args, o)
			if p.peek().kind != tComma {
				break
			}
			p.pos++
		}
		return x, p.expect(tRParen)
	}
	return nil, p.syntax()
}

// describeValue renders a value as DynamoDB's messages do, e.g. N:5.
func describeValue(v attrValue) string {
	b, _ := v.MarshalJSON()
	s := strings.Trim(string(b), "{}")
	return strings.ReplaceAll(s, `"`, "")
}

// eval reports whether item (nil for none) satisfies the condition.
func (x *cond) eval(item map[string]attrValue) bool {
	switch x.kind {
	case cAnd:
		return x.kids[0].eval(item) && x.kids[1].eval(item)
	case cOr:
		return x.kids[0].eval(item) || x.kids[1].eval(item)
	case cNot:
		return !x.kids[0].eval(item)
	case cCmp:
		a, okA := x.args[0].get(item)
		b, okB := x.args[1].get(item)
		if !okA || !okB {
			return x.op == "<>" && okA != okB
		}
		switch x.op {
		case "=":
			return equalValues(a, b)
		case "<>":
			return !equalValues(a, b)
		}
		c, ok := compareValues(a, b)
		if !ok {
			return false
		}
		switch x.op {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		default:
			return c >= 0
		}
	case cBetween:
		v, ok := x.args[0].get(item)
		lo, okLo := x.args[1].get(item)
		hi, okHi := x.args[2].get(item)
		if !ok || !okLo || !okHi {
			return false
		}
		c1, ok1 := compareValues(lo, v)
		c2, ok2 := compareValues(v, hi)
		return ok1 && ok2 && c1 <= 0 && c2 <= 0
	case cIn:
		v, ok := x.args[0].get(item)
		if !ok {
			return false
		}
		for _, o := range x.args[1:] {
			if w, ok := o.get(item); ok && equalValues(v, w) {
				return true
			}
		}
		return false
	case cFunc:
		a, okA := x.args[0].get(item)
		switch x.op {
		case "attribute_exists":
			return okA
		case "attribute_not_exists":
			return !okA
		}
		b, okB := x.args[1].get(item)
		if !okA || !okB {
			return false
		}
		switch x.op {
		case "attribute_type":
			return b.typ == typeS && a.typ.String() == b.str
		case "begins_with":
			switch {
			case a.typ == typeS && b.typ == typeS:
				return strings.HasPrefix(a.str, b.str)
			case a.typ == typeB && b.typ == typeB:
				return bytes.HasPrefix(a.bin, b.bin)
			}
			return false
		case "contains":
			return containsValue(a, b)
		}
	}
	return false
}

func containsValue(a, b attrValue) bool {
	switch a.typ {
	case typeS:
		return b.typ == typeS && strings.Contains(a.str, b.str)
	case typeB:
		return b.typ == typeB && bytes.Contains(a.bin, b.bin)
	case typeSS:
		return b.typ == typeS && slices.Contains(a.strs, b.str)
	case typeNS:
		if b.typ != typeN {
			return false
		}
		for _, n := range a.nums {
			if compareNumbers(n, b.num) == 0 {
				return true
			}
		}
	case typeBS:
		if b.typ != typeB {
			return false
		}
		for _, x := range a.bins {
			if bytes.Equal(x, b.bin) {
				return true
			}
		}
	case typeL:
		for _, e := range a.list {
			if equalValues(e, b) {
				return true
			}
		}
	}
	return false
}

// equalValues reports whether a and b are the same DynamoDB value: numbers
// by value, sets regardless of order.
func equalValues(a, b attrValue) bool {
	if a.typ != b.typ {
		return false
	}
	switch a.typ {
	case typeS:
		return a.str == b.str
	case typeN:
		return compareNumbers(a.num, b.num) == 0
	case typeB:
		return bytes.Equal(a.bin, b.bin)
	case typeBOOL:
		return a.boolean == b.boolean
	case typeNULL:
		return true
	case typeSS, typeNS, typeBS:
		ka, kb := setKeys(a), setKeys(b)
		if len(ka) != len(kb) {
			return false
		}
		for k := range ka {
			if !kb[k] {
				return false
			}
		}
		return true
	case typeL:
		return slices.EqualFunc(a.list, b.list, equalValues)
	case typeM:
		if len(a.m) != len(b.m) {
			return false
		}
		for k, v := range a.m {
			w, ok := b.m[k]
			if !ok || !equalValues(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// setKeys returns a set's members in canonical form.
func setKeys(v attrValue) map[string]bool {
	out := make(map[string]bool)
	switch v.typ {
	case typeSS:
		for _, s := range v.strs {
			out[s] = true
		}
	case typeNS:
		for _, n := range v.nums {
			out[n.canonical()] = true
		}
	case typeBS:
		for _, b := range v.bins {
			out[string(b)] = true
		}
	}
	return out
}

// compareValues orders two scalars of the same type S, N or B; ok is false
// for any other pair.
func compareValues(a, b attrValue) (c int, ok bool) {
	if a.typ != b.typ {
		return 0, false
	}
	switch a.typ {
	case typeS:
		return strings.Compare(a.str, b.str), true
	case typeN:
		return compareNumbers(a.num, b.num), true
	case typeB:
		return bytes.Compare(a.bin, b.bin), true
	}
	return 0, false
}

// compareNumbers orders two numbers by value.
func compareNumbers(a, b number) int {
	sign := func(x number) int {
		switch {
		case x.digits == "":
			return 0
		case x.neg:
			return -1
		}
		return 1
	}
	sa, sb := sign(a), sign(b)
	if sa != sb || sa == 0 {
		return cmpInt(sa, sb)
	}
	c := cmpInt(a.exp, b.exp)
	if c == 0 {
		c = strings.Compare(a.digits, b.digits)
	}
	return c * sa
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// addNumbers returns a + b (a - b with sub) as a validated number and its
// decimal string.
func addNumbers(a, b number, sub bool) (number, string, error) {
	ia, sa := a.bigInt()
	ib, sb := b.bigInt()
	if sub {
		ib.Neg(ib)
	}
	scale := min(sa, sb)
	ten := big.NewInt(10)
	ia.Mul(ia, new(big.Int).Exp(ten, big.NewInt(int64(sa-scale)), nil))
	ib.Mul(ib, new(big.Int).Exp(ten, big.NewInt(int64(sb-scale)), nil))
	sum := ia.Add(ia, ib)
	s := decimalString(sum, scale)
	n, err := parseNumber(s)
	return n, s, err
}

// bigInt returns x as i × 10^scale.
func (x number) bigInt() (*big.Int, int) {
	if x.digits == "" {
		return new(big.Int), 0
	}
	i, _ := new(big.Int).SetString(x.digits, 10)
	if x.neg {
		i.Neg(i)
	}
	return i, x.exp + 1 - len(x.digits)
}

// decimalString formats i × 10^scale without an exponent or trailing
// fractional zeros.
func decimalString(i *big.Int, scale int) string {
	s := i.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	switch {
	case s == "0":
		return "0"
	case scale >= 0:
		s += strings.Repeat("0", scale)
	default:
		frac := -scale
		if len(s) <= frac {
			s = strings.Repeat("0", frac-len(s)+1) + s
		}
		s = s[:len(s)-frac] + "." + s[len(s)-frac:]
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// numberValue returns the attribute value of a computed number.
func numberValue(n number, s string) attrValue {
	return attrValue{typ: typeN, str: s, num: n}
}

// ProjectionExpression.

// parseProjection returns the top-level attribute names a
// ProjectionExpression names.
func (c *exprContext) parseProjection(expr string) ([]string, error) {
	p, err := c.parser("ProjectionExpression", expr)
	if err != nil {
		return nil, err
	}
	var attrs []string
	for {
		o, err := p.path()
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, o.path)
		if p.peek().kind != tComma {
			break
		}
		p.pos++
	}
	return attrs, p.done()
}
