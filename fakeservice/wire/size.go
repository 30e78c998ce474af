package wire

import (
	"strconv"
	"strings"
)

// ItemSize returns the size DynamoDB bills for item: over its attributes, the
// UTF-8 length of the name plus the size of the value.
func ItemSize(item map[string]Value) int {
	n := 0
	for name, v := range item {
		n += attrSize(name, v)
	}
	return n
}

// attrSize is the billed size of one attribute of an item: the UTF-8
// length of its name plus the size of its value.
func attrSize[S string | []byte](name S, v Value) int { return len(name) + v.Size() }

// Size returns the billed size of one value, following dynalite's itemSize
// (db/index.js), which was checked against DynamoDB's ConsumedCapacity.
func (v Value) Size() int {
	switch v.Type {
	case TypeS:
		return len(v.Str)
	case TypeN:
		return v.Num.Size()
	case TypeB:
		return len(v.Bin)
	case TypeBOOL, TypeNULL:
		return 1
	case TypeSS:
		n := 0
		for _, s := range v.Strs {
			n += len(s)
		}
		return n
	case TypeNS:
		n := 0
		for _, x := range v.Nums {
			n += x.Size()
		}
		return n
	case TypeBS:
		n := 0
		for _, b := range v.Bins {
			n += len(b)
		}
		return n
	case TypeL:
		n := 3
		for _, e := range v.List {
			n += 1 + e.Size()
		}
		return n
	case TypeM:
		return 3 + len(v.Map) + ItemSize(v.Map)
	}
	return 0
}

// Number is a DynamoDB Number in normal form: ±0.d1d2…dn × 10^(exp+1), that
// is d1 is the digit at 10^exp. digits has no leading or trailing zeros; it
// is empty for zero.
type Number struct {
	Neg    bool
	Digits string
	Exp    int
}

// Limits on DynamoDB numbers.
const (
	maxNumberDigits = 38
	maxNumberExp    = 125  // largest magnitude 9.99…E+125
	minNumberExp    = -130 // smallest magnitude 1E-130
)

// ParseNumber parses s with the grammar of big.js, which dynalite uses:
// -?(digits[.digits]|.digits)([eE][+-]?digits)?, and checks DynamoDB's limits.
func ParseNumber(s string) (Number, error) {
	var x Number
	rest := s
	if strings.HasPrefix(rest, "-") {
		x.Neg = true
		rest = rest[1:]
	}
	mant, expStr, hasExp := strings.Cut(strings.ToLower(rest), "e")
	intPart, fracPart, _ := strings.Cut(mant, ".")
	if (intPart == "" && fracPart == "") || !allDigits(intPart) || !allDigits(fracPart) {
		return Number{}, errNaN()
	}
	exp10 := 0
	if hasExp {
		e := expStr
		if strings.HasPrefix(e, "+") || strings.HasPrefix(e, "-") {
			e = e[1:]
		}
		if e == "" || !allDigits(e) {
			return Number{}, errNaN()
		}
		e = strings.TrimLeft(e, "0")
		if len(e) > 9 { // far beyond any limit; keep int arithmetic safe
			e = "999999999"
		}
		n, _ := strconv.Atoi(e)
		if strings.HasPrefix(expStr, "-") {
			n = -n
		}
		exp10 = n
	}
	all := intPart + fracPart
	lead := len(all) - len(strings.TrimLeft(all, "0"))
	digits := strings.TrimRight(all[lead:], "0")
	if digits == "" {
		return Number{}, nil // zero, whatever its sign or exponent
	}
	x.Digits = digits
	x.Exp = len(intPart) - 1 - lead + exp10
	switch {
	case len(digits) > maxNumberDigits:
		return Number{}, ValidationError("Attempting to store more than 38 significant digits in a Number")
	case x.Exp > maxNumberExp:
		return Number{}, ValidationError("Number overflow. Attempting to store a number with magnitude larger than supported range")
	case x.Exp < minNumberExp:
		return Number{}, ValidationError("Number underflow. Attempting to store a number with magnitude smaller than supported range")
	}
	return x, nil
}

// errNaN is ParseNumber's error for what is not a number: made only when
// it is returned, so that parsing a number allocates nothing.
func errNaN() error {
	return ValidationError("A value provided cannot be converted into a number")
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Size is dynalite's rule: about one byte per two significant digits, plus
// one, plus one more when the digits do not pack evenly into base-100 pairs,
// plus one for a negative sign.
func (x Number) Size() int { return numberSize(len(x.Digits), x.Exp, x.Neg) }

// IntSize is the billed size of the number v, as Number.Size gives it for
// v written in decimal, without allocating (the simulator's items).
func IntSize(v int64) int {
	if v == 0 {
		return 1
	}
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u
	}
	exp := -1
	for t := u; t > 0; t /= 10 {
		exp++
	}
	for u%10 == 0 {
		u /= 10
	}
	n := 0
	for ; u > 0; u /= 10 {
		n++
	}
	return numberSize(n, exp, neg)
}

// numberSize is the size of a number of n significant digits whose first
// is at 10^exp.
func numberSize(n, exp int, neg bool) int {
	if n == 0 {
		return 1
	}
	s := 1 + (n+1)/2
	if n%2 == 0 && exp%2 == 0 {
		s++
	}
	if neg {
		s++
	}
	return s
}

// Canonical returns a string equal for equal numbers ("1", "1.0", "10e-1"),
// used to compare keys and set members.
func (x Number) Canonical() string {
	if x.Digits == "" {
		return "0"
	}
	sign := ""
	if x.Neg {
		sign = "-"
	}
	return sign + x.Digits + "e" + strconv.Itoa(x.Exp)
}
