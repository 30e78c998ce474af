package expr

import (
	"fmt"
	"slices"
	"strings"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// Update is a parsed UpdateExpression: SET, REMOVE, ADD and DELETE actions
// on top-level attributes.
type Update struct {
	actions []updateAction
}

// Paths returns the attributes the update's actions name, in order.
func (u *Update) Paths() []string {
	paths := make([]string, len(u.actions))
	for i, a := range u.actions {
		paths[i] = a.path
	}
	return paths
}

type updateAction struct {
	clause string // SET, REMOVE, ADD or DELETE
	path   string
	value  setValue // SET
	arg    operand  // ADD, DELETE: a value
}

// setValue is a SET action's right-hand side: one operand, or two joined by
// + or -.
type setValue struct {
	op   string // "", "+" or "-"
	a, b setOperand
}

// setOperand is a path, a value, if_not_exists(path, operand) or
// list_append(operand, operand).
type setOperand struct {
	fn   string
	o    operand
	args []setOperand
}

// ParseUpdate parses an UpdateExpression.
func (c *Context) ParseUpdate(expr string) (*Update, error) {
	p, err := c.parser("UpdateExpression", expr)
	if err != nil {
		return nil, err
	}
	u := &Update{}
	seen := map[string]bool{}
	paths := map[string]string{} // attribute -> path as written
	for p.peek().kind != tEOF {
		t := p.next()
		clause := strings.ToUpper(t.text)
		if t.kind != tName || !slices.Contains([]string{"SET", "REMOVE", "ADD", "DELETE"}, clause) {
			p.pos--
			return nil, p.syntax()
		}
		if seen[clause] {
			return nil, wire.ValidationError(fmt.Sprintf("Invalid UpdateExpression: The %q section can only be used once in an update expression;", clause))
		}
		seen[clause] = true
		for {
			path, err := p.path()
			if err != nil {
				return nil, err
			}
			if prev, dup := paths[path.path]; dup {
				return nil, wire.ValidationError(fmt.Sprintf("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [%s], path two: [%s]", prev, path.path))
			}
			paths[path.path] = path.path
			a := updateAction{clause: clause, path: path.path}
			switch clause {
			case "SET":
				if t := p.next(); t.kind != tOp || t.text != "=" {
					p.pos--
					return nil, p.syntax()
				}
				if a.value, err = p.setValue(); err != nil {
					return nil, err
				}
			case "ADD", "DELETE":
				if p.peek().kind != tValue {
					return nil, p.syntax()
				}
				if a.arg, err = p.operand(); err != nil {
					return nil, err
				}
				ok := a.arg.val.Type == wire.TypeSS || a.arg.val.Type == wire.TypeNS || a.arg.val.Type == wire.TypeBS ||
					(clause == "ADD" && a.arg.val.Type == wire.TypeN)
				if !ok {
					return nil, wire.ValidationError(fmt.Sprintf("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: %s, operand type: %s", clause, typeLongName(a.arg.val.Type)))
				}
			}
			u.actions = append(u.actions, a)
			if p.peek().kind != tComma {
				break
			}
			p.pos++
		}
	}
	return u, nil
}

// typeLongName names a type as DynamoDB's operand-type messages do.
func typeLongName(t wire.Type) string {
	switch t {
	case wire.TypeS:
		return "STRING"
	case wire.TypeN:
		return "NUMBER"
	case wire.TypeB:
		return "BINARY"
	case wire.TypeBOOL:
		return "BOOLEAN"
	case wire.TypeNULL:
		return "NULL"
	case wire.TypeSS:
		return "STRING SET"
	case wire.TypeNS:
		return "NUMBER SET"
	case wire.TypeBS:
		return "BINARY SET"
	case wire.TypeL:
		return "LIST"
	case wire.TypeM:
		return "MAP"
	}
	return t.String()
}

func (p *exprParser) setValue() (setValue, error) {
	a, err := p.setOperand()
	if err != nil {
		return setValue{}, err
	}
	v := setValue{a: a}
	if t := p.peek(); t.kind == tOp && (t.text == "+" || t.text == "-") {
		p.pos++
		v.op = t.text
		if v.b, err = p.setOperand(); err != nil {
			return setValue{}, err
		}
	}
	return v, nil
}

func (p *exprParser) setOperand() (setOperand, error) {
	t := p.peek()
	if t.kind == tName && p.toks[p.pos+1].kind == tLParen {
		fn := strings.ToLower(t.text)
		if fn != "if_not_exists" && fn != "list_append" {
			if slices.Contains(reservedFunctions, fn) {
				return setOperand{}, wire.ValidationError("Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: " + t.text)
			}
			return setOperand{}, wire.ValidationError("Invalid UpdateExpression: Invalid function name; function: " + t.text)
		}
		p.pos += 2
		x := setOperand{fn: fn}
		for i := range 2 {
			if i > 0 {
				if err := p.expect(tComma); err != nil {
					return setOperand{}, err
				}
			}
			var arg setOperand
			var err error
			if fn == "if_not_exists" && i == 0 {
				arg.o, err = p.path()
			} else {
				arg, err = p.setOperand()
			}
			if err != nil {
				return setOperand{}, err
			}
			x.args = append(x.args, arg)
		}
		return x, p.expect(tRParen)
	}
	o, err := p.operand()
	return setOperand{o: o}, err
}

var errUpdateType = wire.ValidationError("An operand in the update expression has an incorrect data type")

// eval returns the operand's value against the item before the update.
func (x setOperand) eval(old map[string]wire.Value) (wire.Value, error) {
	switch x.fn {
	case "if_not_exists":
		if v, ok := x.args[0].o.get(old); ok {
			return v, nil
		}
		return x.args[1].eval(old)
	case "list_append":
		a, err := x.args[0].eval(old)
		if err != nil {
			return wire.Value{}, err
		}
		b, err := x.args[1].eval(old)
		if err != nil {
			return wire.Value{}, err
		}
		if a.Type != wire.TypeL || b.Type != wire.TypeL {
			return wire.Value{}, errUpdateType
		}
		return wire.Value{Type: wire.TypeL, List: append(slices.Clip(a.List), b.List...)}, nil
	}
	v, ok := x.o.get(old)
	if !ok {
		return wire.Value{}, wire.ValidationError("The provided expression refers to an attribute that does not exist in the item")
	}
	return v, nil
}

func (v setValue) eval(old map[string]wire.Value) (wire.Value, error) {
	a, err := v.a.eval(old)
	if err != nil || v.op == "" {
		return a, err
	}
	b, err := v.b.eval(old)
	if err != nil {
		return wire.Value{}, err
	}
	if a.Type != wire.TypeN || b.Type != wire.TypeN {
		return wire.Value{}, errUpdateType
	}
	n, s, err := wire.AddNumbers(a.Num, b.Num, v.op == "-")
	if err != nil {
		return wire.Value{}, err
	}
	return wire.NumberValue(n, s), nil
}

// Apply returns the item after the update, evaluated against old (nil for
// a new item, which then holds base, its key), and the attributes the
// update named, for ReturnValues UPDATED_OLD and UPDATED_NEW.
func (u *Update) Apply(old, base map[string]wire.Value) (map[string]wire.Value, []string, error) {
	if old == nil {
		old = base
	}
	item := make(map[string]wire.Value, len(old)+len(u.actions))
	for k, v := range old {
		item[k] = v
	}
	var named []string
	for _, a := range u.actions {
		named = append(named, a.path)
		switch a.clause {
		case "SET":
			v, err := a.value.eval(old)
			if err != nil {
				return nil, nil, err
			}
			item[a.path] = v
		case "REMOVE":
			delete(item, a.path)
		case "ADD":
			cur, ok := old[a.path]
			if !ok {
				item[a.path] = a.arg.val
				continue
			}
			v, err := addValue(cur, a.arg.val)
			if err != nil {
				return nil, nil, err
			}
			item[a.path] = v
		case "DELETE":
			cur, ok := old[a.path]
			if !ok {
				continue
			}
			if cur.Type != a.arg.val.Type {
				return nil, nil, errUpdateType
			}
			if v, left := setMinus(cur, a.arg.val); left {
				item[a.path] = v
			} else {
				delete(item, a.path)
			}
		}
	}
	return item, named, nil
}

// addValue is ADD on an existing value: a number sum or a set union.
func addValue(cur, v wire.Value) (wire.Value, error) {
	if cur.Type != v.Type {
		return wire.Value{}, errUpdateType
	}
	if cur.Type == wire.TypeN {
		n, s, err := wire.AddNumbers(cur.Num, v.Num, false)
		if err != nil {
			return wire.Value{}, err
		}
		return wire.NumberValue(n, s), nil
	}
	have := setKeys(cur)
	out := wire.Value{Type: cur.Type}
	out.Strs = slices.Clone(cur.Strs)
	out.Nums = slices.Clone(cur.Nums)
	out.Bins = slices.Clone(cur.Bins)
	switch v.Type {
	case wire.TypeSS:
		for _, s := range v.Strs {
			if !have[s] {
				out.Strs = append(out.Strs, s)
				have[s] = true
			}
		}
	case wire.TypeNS:
		for i, n := range v.Nums {
			if !have[n.Canonical()] {
				out.Nums = append(out.Nums, n)
				out.Strs = append(out.Strs, v.Strs[i])
				have[n.Canonical()] = true
			}
		}
	case wire.TypeBS:
		for _, b := range v.Bins {
			if !have[string(b)] {
				out.Bins = append(out.Bins, b)
				have[string(b)] = true
			}
		}
	}
	return out, nil
}

// setMinus returns cur without v's members, and whether any are left.
func setMinus(cur, v wire.Value) (wire.Value, bool) {
	drop := setKeys(v)
	out := wire.Value{Type: cur.Type}
	switch cur.Type {
	case wire.TypeSS:
		for _, s := range cur.Strs {
			if !drop[s] {
				out.Strs = append(out.Strs, s)
			}
		}
		return out, len(out.Strs) > 0
	case wire.TypeNS:
		for i, n := range cur.Nums {
			if !drop[n.Canonical()] {
				out.Nums = append(out.Nums, n)
				out.Strs = append(out.Strs, cur.Strs[i])
			}
		}
		return out, len(out.Nums) > 0
	default:
		for _, b := range cur.Bins {
			if !drop[string(b)] {
				out.Bins = append(out.Bins, b)
			}
		}
		return out, len(out.Bins) > 0
	}
}
