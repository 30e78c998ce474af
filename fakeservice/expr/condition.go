package expr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
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

// Context holds a request's ExpressionAttributeNames and Values and
// which of them its expressions used, so that unused ones are refused as
// DynamoDB refuses them.
type Context struct {
	names      map[string]string
	values     map[string]wire.Value
	usedNames  map[string]bool
	usedValues map[string]bool
}

// NewContext decodes a request's ExpressionAttributeNames and
// ExpressionAttributeValues. hasExpr says whether the request has any
// expression: without one, either map is an error.
func NewContext(names map[string]string, rawValues map[string]json.RawMessage, hasExpr bool) (*Context, error) {
	if err := checkGiven(names, rawValues != nil, len(rawValues), hasExpr); err != nil {
		return nil, err
	}
	values, err := wire.DecodeItem(rawValues)
	if err != nil {
		return nil, err
	}
	return newContext(names, values)
}

// NewContextDecoded is NewContext for ExpressionAttributeValues already
// decoded (by a fast parser that accepts only what wire.DecodeItem
// accepts): the same checks and errors, in the same order.
func NewContextDecoded(names map[string]string, values map[string]wire.Value, hasExpr bool) (*Context, error) {
	if err := checkGiven(names, values != nil, len(values), hasExpr); err != nil {
		return nil, err
	}
	return newContext(names, values)
}

// checkGiven refuses ExpressionAttributeNames or Values given without an
// expression, or given empty.
func checkGiven(names map[string]string, valuesGiven bool, nValues int, hasExpr bool) error {
	switch {
	case names != nil && !hasExpr:
		return wire.ValidationError("ExpressionAttributeNames can only be specified when using expressions")
	case valuesGiven && !hasExpr:
		return wire.ValidationError("ExpressionAttributeValues can only be specified when using expressions")
	case names != nil && len(names) == 0:
		return wire.ValidationError("ExpressionAttributeNames must not be empty")
	case valuesGiven && nValues == 0:
		return wire.ValidationError("ExpressionAttributeValues must not be empty")
	}
	return nil
}

// newContext checks the names' and values' keys and returns their Context.
// Of several invalid keys it names the least, so that the answer does not
// depend on the maps' iteration order.
func newContext(names map[string]string, values map[string]wire.Value) (*Context, error) {
	if k, ok := leastInvalid(maps.Keys(values), ":"); ok {
		return nil, wire.ValidationError("ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + k + "\"")
	}
	if k, ok := leastInvalid(maps.Keys(names), "#"); ok {
		return nil, wire.ValidationError("ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + k + "\"")
	}
	return &Context{names: names, values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}, nil
}

// CheckUnused refuses names or values no expression used.
func (c *Context) CheckUnused() error {
	var unused []string
	for k := range c.names {
		if !c.usedNames[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		slices.Sort(unused)
		return wire.ValidationError("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
	}
	for k := range c.values {
		if !c.usedValues[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		slices.Sort(unused)
		return wire.ValidationError("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
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
	ctx  *Context
	what string // "ConditionExpression", ... for messages
	toks []token
	pos  int
}

func (c *Context) parser(what, expr string) (*exprParser, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, wire.ValidationError("Invalid " + what + ": The expression can not be empty;")
	}
	toks, msg := tokenize(expr)
	if msg != "" {
		return nil, wire.ValidationError("Invalid " + what + ": " + msg)
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
		return wire.ValidationError("fakeservice supports only top-level attribute names in " + p.what + ", not nested document paths")
	}
	lo, hi := max(0, p.pos-1), min(len(p.toks)-1, p.pos+1)
	var near []string
	for _, x := range p.toks[lo : hi+1] {
		if x.kind != tEOF {
			near = append(near, x.text)
		}
	}
	return wire.ValidationError(fmt.Sprintf("Invalid %s: Syntax error; token: %q, near: %q", p.what, t.text, strings.Join(near, " ")))
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
	val    wire.Value
	text   string // as written, for messages
}

// get returns the operand's value in item.
func (o operand) get(item map[string]wire.Value) (wire.Value, bool) {
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
		if slices.Contains(reservedFunctions, strings.ToLower(t.text)) || isKeyword(t.text) {
			return operand{}, p.syntax()
		}
		name = t.text
	case tAttrName:
		n, ok := p.ctx.names[t.text]
		if !ok {
			return operand{}, wire.ValidationError("Invalid " + p.what + ": An expression attribute name used in the document path is not defined; attribute name: " + t.text)
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
			return operand{}, wire.ValidationError("Invalid " + p.what + ": An expression attribute value used in expression is not defined; attribute value: " + t.text)
		}
		p.ctx.usedValues[t.text] = true
		p.pos++
		return operand{val: v, text: t.text}, nil
	}
	if t.kind == tName && strings.EqualFold(t.text, "size") {
		return operand{}, wire.ValidationError("fakeservice does not support size() in " + p.what)
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

// Condition is a parsed condition.
type Condition struct {
	kind condKind
	op   string // comparator or lower-case function name
	kids []*Condition
	args []operand
}

// ParseCondition parses a ConditionExpression, FilterExpression or
// KeyConditionExpression.
func (c *Context) ParseCondition(what, expr string) (*Condition, error) {
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

func (p *exprParser) or() (*Condition, error) {
	x, err := p.and()
	for err == nil && p.keyword("OR") {
		var y *Condition
		if y, err = p.and(); err == nil {
			x = &Condition{kind: cOr, kids: []*Condition{x, y}}
		}
	}
	return x, err
}

func (p *exprParser) and() (*Condition, error) {
	x, err := p.not()
	for err == nil && p.keyword("AND") {
		var y *Condition
		if y, err = p.not(); err == nil {
			x = &Condition{kind: cAnd, kids: []*Condition{x, y}}
		}
	}
	return x, err
}

func (p *exprParser) not() (*Condition, error) {
	if p.keyword("NOT") {
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &Condition{kind: cNot, kids: []*Condition{x}}, nil
	}
	return p.primary()
}

var condFunctions = map[string]int{ // name -> argument count
	"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2,
}

func (p *exprParser) primary() (*Condition, error) {
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
			if slices.Contains(reservedFunctions, fn) {
				return nil, wire.ValidationError("Invalid " + p.what + ": The function is not allowed to be used this way in an expression; function: " + t.text)
			}
			return nil, wire.ValidationError("Invalid " + p.what + ": Invalid function name; function: " + t.text)
		}
		p.pos += 2
		x := &Condition{kind: cFunc, op: fn}
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
		return &Condition{kind: cCmp, op: op, args: []operand{a, b}}, nil
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
			if c, ok := CompareValues(lo.val, hi.val); ok && c > 0 {
				return nil, wire.ValidationError(fmt.Sprintf("Invalid %s: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s}, upper bound operand: AttributeValue: {%s}",
					p.what, describeValue(lo.val), describeValue(hi.val)))
			}
		}
		return &Condition{kind: cBetween, args: []operand{a, lo, hi}}, nil
	case p.keyword("IN"):
		if err := p.expect(tLParen); err != nil {
			return nil, err
		}
		x := &Condition{kind: cIn, args: []operand{a}}
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
func describeValue(v wire.Value) string {
	b, _ := v.MarshalJSON()
	s := strings.Trim(string(b), "{}")
	return strings.ReplaceAll(s, `"`, "")
}

// Eval reports whether item (nil for none) satisfies the condition.
func (x *Condition) Eval(item map[string]wire.Value) bool {
	switch x.kind {
	case cAnd:
		return x.kids[0].Eval(item) && x.kids[1].Eval(item)
	case cOr:
		return x.kids[0].Eval(item) || x.kids[1].Eval(item)
	case cNot:
		return !x.kids[0].Eval(item)
	case cCmp:
		a, okA := x.args[0].get(item)
		b, okB := x.args[1].get(item)
		if !okA || !okB {
			return x.op == "<>" && okA != okB
		}
		switch x.op {
		case "=":
			return EqualValues(a, b)
		case "<>":
			return !EqualValues(a, b)
		}
		c, ok := CompareValues(a, b)
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
		c1, ok1 := CompareValues(lo, v)
		c2, ok2 := CompareValues(v, hi)
		return ok1 && ok2 && c1 <= 0 && c2 <= 0
	case cIn:
		v, ok := x.args[0].get(item)
		if !ok {
			return false
		}
		for _, o := range x.args[1:] {
			if w, ok := o.get(item); ok && EqualValues(v, w) {
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
			return b.Type == wire.TypeS && a.Type.String() == b.Str
		case "begins_with":
			switch {
			case a.Type == wire.TypeS && b.Type == wire.TypeS:
				return strings.HasPrefix(a.Str, b.Str)
			case a.Type == wire.TypeB && b.Type == wire.TypeB:
				return bytes.HasPrefix(a.Bin, b.Bin)
			}
			return false
		case "contains":
			return containsValue(a, b)
		}
	}
	return false
}

func containsValue(a, b wire.Value) bool {
	switch a.Type {
	case wire.TypeS:
		return b.Type == wire.TypeS && strings.Contains(a.Str, b.Str)
	case wire.TypeB:
		return b.Type == wire.TypeB && bytes.Contains(a.Bin, b.Bin)
	case wire.TypeSS:
		return b.Type == wire.TypeS && slices.Contains(a.Strs, b.Str)
	case wire.TypeNS:
		if b.Type != wire.TypeN {
			return false
		}
		for _, n := range a.Nums {
			if wire.CompareNumbers(n, b.Num) == 0 {
				return true
			}
		}
	case wire.TypeBS:
		if b.Type != wire.TypeB {
			return false
		}
		for _, x := range a.Bins {
			if bytes.Equal(x, b.Bin) {
				return true
			}
		}
	case wire.TypeL:
		for _, e := range a.List {
			if EqualValues(e, b) {
				return true
			}
		}
	}
	return false
}

// EqualValues reports whether a and b are the same DynamoDB value: numbers
// by value, sets regardless of order.
func EqualValues(a, b wire.Value) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case wire.TypeS:
		return a.Str == b.Str
	case wire.TypeN:
		return wire.CompareNumbers(a.Num, b.Num) == 0
	case wire.TypeB:
		return bytes.Equal(a.Bin, b.Bin)
	case wire.TypeBOOL:
		return a.Bool == b.Bool
	case wire.TypeNULL:
		return true
	case wire.TypeSS, wire.TypeNS, wire.TypeBS:
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
	case wire.TypeL:
		return slices.EqualFunc(a.List, b.List, EqualValues)
	case wire.TypeM:
		if len(a.Map) != len(b.Map) {
			return false
		}
		for k, v := range a.Map {
			w, ok := b.Map[k]
			if !ok || !EqualValues(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// setKeys returns a set's members in canonical form.
func setKeys(v wire.Value) map[string]bool {
	out := make(map[string]bool)
	switch v.Type {
	case wire.TypeSS:
		for _, s := range v.Strs {
			out[s] = true
		}
	case wire.TypeNS:
		for _, n := range v.Nums {
			out[n.Canonical()] = true
		}
	case wire.TypeBS:
		for _, b := range v.Bins {
			out[string(b)] = true
		}
	}
	return out
}

// CompareValues orders two scalars of the same type S, N or B; ok is false
// for any other pair.
func CompareValues(a, b wire.Value) (c int, ok bool) {
	if a.Type != b.Type {
		return 0, false
	}
	switch a.Type {
	case wire.TypeS:
		return strings.Compare(a.Str, b.Str), true
	case wire.TypeN:
		return wire.CompareNumbers(a.Num, b.Num), true
	case wire.TypeB:
		return bytes.Compare(a.Bin, b.Bin), true
	}
	return 0, false
}

// ProjectionExpression.

// ParseProjection returns the top-level attribute names a
// ProjectionExpression names.
func (c *Context) ParseProjection(expr string) ([]string, error) {
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

// KeyCondition checks a parsed KeyConditionExpression against a key schema
// (the partition key's name and type; the sort key's, or "" for none): an
// equality on the partition key and at most one condition on the sort key.
// It returns the partition key's value and the sort-key condition (nil for
// none).
func KeyCondition(c *Condition, hashName string, hashType wire.Type, rngName string, rngType wire.Type) (wire.Value, *Condition, error) {
	var parts []*Condition
	var flatten func(*Condition) error
	flatten = func(c *Condition) error {
		switch c.kind {
		case cAnd:
			if err := flatten(c.kids[0]); err != nil {
				return err
			}
			return flatten(c.kids[1])
		case cOr:
			return wire.ValidationError("Invalid operator used in KeyConditionExpression: OR")
		case cNot:
			return wire.ValidationError("Invalid operator used in KeyConditionExpression: NOT")
		case cIn:
			return wire.ValidationError("Invalid operator used in KeyConditionExpression: IN")
		case cFunc:
			if c.op != "begins_with" {
				return wire.ValidationError("Invalid operator used in KeyConditionExpression: " + c.op)
			}
		case cCmp:
			if c.op == "<>" {
				return wire.ValidationError("Unsupported operator used in KeyConditionExpression: <>")
			}
		}
		parts = append(parts, c)
		return nil
	}
	if err := flatten(c); err != nil {
		return wire.Value{}, nil, err
	}
	if len(parts) > 2 {
		return wire.Value{}, nil, wire.ValidationError("Conditions can be of length 1 or 2 only")
	}
	missing := func(hashCond *Condition) string {
		if hashCond == nil || rngName == "" {
			return hashName
		}
		return rngName
	}
	var hashCond, rngCond *Condition
	for _, p := range parts {
		if !p.args[0].isPath || slices.ContainsFunc(p.args[1:], func(o operand) bool { return o.isPath }) {
			return wire.Value{}, nil, wire.ValidationError("Invalid condition in KeyConditionExpression: " + p.args[0].text + " must be an attribute and the other operands values")
		}
		switch {
		case p.args[0].path == hashName && hashCond == nil:
			hashCond = p
		case rngName != "" && p.args[0].path == rngName && rngCond == nil:
			rngCond = p
		default:
			return wire.Value{}, nil, wire.ValidationError("Query condition missed key schema element: " + missing(hashCond))
		}
	}
	if hashCond == nil {
		return wire.Value{}, nil, wire.ValidationError("Query condition missed key schema element: " + hashName)
	}
	if hashCond.kind != cCmp || hashCond.op != "=" {
		return wire.Value{}, nil, wire.ValidationError("Query key condition not supported")
	}
	for _, p := range parts {
		typ := hashType
		if p == rngCond {
			typ = rngType
		}
		for _, o := range p.args[1:] {
			if o.val.Type != typ {
				if p.kind == cFunc && typ == wire.TypeN {
					return wire.Value{}, nil, wire.ValidationError("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
				}
				return wire.Value{}, nil, wire.ValidationError("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
	}
	return hashCond.args[1].val, rngCond, nil
}

// leastInvalid returns the least of keys not starting with prefix.
func leastInvalid(keys iter.Seq[string], prefix string) (string, bool) {
	least, found := "", false
	for k := range keys {
		if !strings.HasPrefix(k, prefix) && (!found || k < least) {
			least, found = k, true
		}
	}
	return least, found
}
