package fakeservice

import (
	"strconv"
	"strings"
)

// itemSize returns the size DynamoDB bills for item: over its attributes, the
// UTF-8 length of the name plus the size of the value.
func itemSize(item map[string]attrValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + v.size()
	}
	return n
}

// size returns the billed size of one value, following dynalite's itemSize
// (db/index.js), which was checked against DynamoDB's ConsumedCapacity.
func (v attrValue) size() int {
	switch v.typ {
	case typeS:
		return len(v.str)
	case typeN:
		return v.num.size()
	case typeB:
		return len(v.bin)
	case typeBOOL, typeNULL:
		return 1
	case typeSS:
		n := 0
		for _, s := range v.strs {
			n += len(s)
		}
		return n
	case typeNS:
		n := 0
		for _, x := range v.nums {
			n += x.size()
		}
		return n
	case typeBS:
		n := 0
		for _, b := range v.bins {
			n += len(b)
		}
		return n
	case typeL:
		n := 3
		for _, e := range v.list {
			n += 1 + e.size()
		}
		return n
	case typeM:
		return 3 + len(v.m) + itemSize(v.m)
	}
	return 0
}

// number is a DynamoDB number in normal form: ±0.d1d2…dn × 10^(exp+1), that
// is d1 is the digit at 10^exp. digits has no leading or trailing zeros; it
// is empty for zero.
type number struct {
	neg    bool
	digits string
	exp    int
}

// Limits on DynamoDB numbers.
const (
	maxNumberDigits = 38
	maxNumberExp    = 125  // largest magnitude 9.99…E+125
	minNumberExp    = -130 // smallest magnitude 1E-130
)

// parseNumber parses s with the grammar of big.js, which dynalite uses:
// -?(digits[.digits]|.digits)([eE][+-]?digits)?, and checks DynamoDB's limits.
func parseNumber(s string) (number, error) {
	errNaN := validationError("A value provided cannot be converted into a number")
	var x number
	rest := s
	if strings.HasPrefix(rest, "-") {
		x.neg = true
		rest = rest[1:]
	}
	mant, expStr, hasExp := strings.Cut(strings.ToLower(rest), "e")
	intPart, fracPart, _ := strings.Cut(mant, ".")
	if (intPart == "" && fracPart == "") || !allDigits(intPart) || !allDigits(fracPart) {
		return number{}, errNaN
	}
	exp10 := 0
	if hasExp {
		e := expStr
		if strings.HasPrefix(e, "+") || strings.HasPrefix(e, "-") {
			e = e[1:]
		}
		if e == "" || !allDigits(e) {
			return number{}, errNaN
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
		return number{}, nil // zero, whatever its sign or exponent
	}
	x.digits = digits
	x.exp = len(intPart) - 1 - lead + exp10
	switch {
	case len(digits) > maxNumberDigits:
		return number{}, validationError("Attempting to store more than 38 significant digits in a Number")
	case x.exp > maxNumberExp:
		return number{}, validationError("Number overflow. Attempting to store a number with magnitude larger than supported range")
	case x.exp < minNumberExp:
		return number{}, validationError("Number underflow. Attempting to store a number with magnitude smaller than supported range")
	}
	return x, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// size is dynalite's rule: about one byte per two significant digits, plus
// one, plus one more when the digits do not pack evenly into base-100 pairs,
// plus one for a negative sign.
func (x number) size() int {
	n := len(x.digits)
	if n == 0 {
		return 1
	}
	s := 1 + (n+1)/2
	if n%2 == 0 && x.exp%2 == 0 {
		s++
	}
	if x.neg {
		s++
	}
	return s
}

// canonical returns a string equal for equal numbers ("1", "1.0", "10e-1"),
// used to compare keys and set members.
func (x number) canonical() string {
	if x.digits == "" {
		return "0"
	}
	sign := ""
	if x.neg {
		sign = "-"
	}
	return sign + x.digits + "e" + strconv.Itoa(x.exp)
}
