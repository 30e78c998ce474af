package wire

import (
	"math/big"
	"strings"
)

// CompareNumbers orders two numbers by value.
func CompareNumbers(a, b Number) int {
	sign := func(x Number) int {
		switch {
		case x.Digits == "":
			return 0
		case x.Neg:
			return -1
		}
		return 1
	}
	sa, sb := sign(a), sign(b)
	if sa != sb || sa == 0 {
		return cmpInt(sa, sb)
	}
	c := cmpInt(a.Exp, b.Exp)
	if c == 0 {
		c = strings.Compare(a.Digits, b.Digits)
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

// AddNumbers returns a + b (a - b with sub) as a validated number and its
// decimal string.
func AddNumbers(a, b Number, sub bool) (Number, string, error) {
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
	n, err := ParseNumber(s)
	return n, s, err
}

// bigInt returns x as i × 10^scale.
func (x Number) bigInt() (*big.Int, int) {
	if x.Digits == "" {
		return new(big.Int), 0
	}
	i, _ := new(big.Int).SetString(x.Digits, 10)
	if x.Neg {
		i.Neg(i)
	}
	return i, x.Exp + 1 - len(x.Digits)
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

// NumberValue returns the attribute value of a computed number.
func NumberValue(n Number, s string) Value {
	return Value{Type: TypeN, Str: s, Num: n}
}
