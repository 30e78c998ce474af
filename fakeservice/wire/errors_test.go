package wire

import (
	"hash/crc32"
	"testing"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

const benchARN = "arn:aws:dynamodb:us-east-1:000000000000:table/bench"

// TestErrorBodyMatchesJSON checks that Body writes, without reflection,
// the bytes encoding/json writes (marshalJSON) for every shape it takes.
func TestErrorBodyMatchesJSON(t *testing.T) {
	cases := []struct {
		name string
		err  *Error
	}{
		{"provisioned", ThrottleError(throttle.Decision{Exception: throttle.ExceptionProvisionedThroughputExceeded, Reason: "TableWriteProvisionedThroughputExceeded"}, benchARN)},
		{"throttling lower reasons", ThrottleError(throttle.Decision{Exception: throttle.ExceptionThrottling, Reason: "TableWriteMaxOnDemandThroughputExceeded"}, benchARN)},
		{"request limit", ThrottleError(throttle.Decision{Exception: throttle.ExceptionRequestLimitExceeded, Reason: "TableWriteAccountLimitExceeded"}, benchARN)},
		{"two reasons", &Error{Status: 400, Type: NSDynamoDB + "X", Msg: "m", Reasons: []ThrottlingReason{{"a", "b"}, {"c", ""}}}},
		{"empty reasons", &Error{Status: 400, Type: NSDynamoDB + "X", Msg: "m", Reasons: []ThrottlingReason{}}},
		{"validation", ValidationError(`One or more parameter values were invalid: "x" <y> & z`)},
		{"serialization empty", SerializationError("")},
		{"upper message", UnknownOperationError("fakeservice does not implement Nope")},
		{"control and unicode", ValidationError("tab\there \u2028 é \x00 bad\xff utf8")},
		{"internal", InternalServerError()},
		{"unavailable", ServiceUnavailableError()},
		{"conditional without item", ConditionalCheckFailed(nil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, want := string(c.err.Body()), string(c.err.marshalJSON()); got != want {
				t.Errorf("Body:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}

// TestThrottleErrorBody pins the bytes of the provisioned throttle, the
// answer of every throttled request of a provisioned table.
func TestThrottleErrorBody(t *testing.T) {
	e := ThrottleError(throttle.Decision{Exception: throttle.ExceptionProvisionedThroughputExceeded, Reason: "TableWriteProvisionedThroughputExceeded"}, benchARN)
	want := `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",` +
		`"message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",` +
		`"ThrottlingReasons":[{"reason":"TableWriteProvisionedThroughputExceeded","resource":"` + benchARN + `"}]}`
	if got := string(e.Body()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestSharedCRC32 checks that a shared throttle carries the CRC-32 of its
// body, and that no other Error (a changed copy of one included) claims one.
func TestSharedCRC32(t *testing.T) {
	shared := ThrottleError(throttle.Decision{Exception: throttle.ExceptionThrottling, Reason: "TableWriteMaxOnDemandThroughputExceeded"}, benchARN)
	changed := *shared
	changed.Msg = "changed"
	cases := []struct {
		name   string
		err    *Error
		wantOK bool
	}{
		{"provisioned", ThrottleError(throttle.Decision{Exception: throttle.ExceptionProvisionedThroughputExceeded, Reason: "TableWriteProvisionedThroughputExceeded"}, benchARN), true},
		{"throttling", shared, true},
		{"changed copy", &changed, false},
		{"validation", ValidationError("x"), false},
		{"made by hand", &Error{Status: 400, Type: NSDynamoDB + "X", Reasons: []ThrottlingReason{{"a", "b"}}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			crc, ok := c.err.SharedCRC32()
			if ok != c.wantOK {
				t.Fatalf("SharedCRC32 ok = %t, want %t", ok, c.wantOK)
			}
			if want := crc32.ChecksumIEEE(c.err.Body()); ok && crc != want {
				t.Errorf("SharedCRC32 = %d, want %d (the body's)", crc, want)
			}
		})
	}
}

// FuzzErrorBody checks Body against encoding/json for any strings.
func FuzzErrorBody(f *testing.F) {
	f.Add("com.amazonaws.dynamodb.v20120810#X", "msg <&>", "reason", "arn:x", false, false)
	f.Add("t", "", "", "\u2028\x01\xff\"\\", true, true)
	f.Fuzz(func(t *testing.T, typ, msg, reason, resource string, upper, lower bool) {
		e := &Error{Status: 400, Type: typ, Msg: msg, UpperMessage: upper, LowerReasons: lower}
		if reason != "" || resource != "" {
			e.Reasons = []ThrottlingReason{{Reason: reason, Resource: resource}}
		}
		if got, want := string(e.Body()), string(e.marshalJSON()); got != want {
			t.Errorf("Body(%+v):\ngot  %s\nwant %s", e, got, want)
		}
	})
}

// TestThrottleErrorShared checks that ThrottleError makes each distinct
// throttle once, that the shared one answers what a fresh one encodes, and
// that a changed copy of it is encoded afresh.
func TestThrottleErrorShared(t *testing.T) {
	decisions := []throttle.Decision{
		{Exception: throttle.ExceptionProvisionedThroughputExceeded, Reason: "TableWriteProvisionedThroughputExceeded"},
		{Exception: throttle.ExceptionProvisionedThroughputExceeded, Reason: "IndexWriteProvisionedThroughputExceeded"},
		{Exception: throttle.ExceptionThrottling, Reason: "TableWriteKeyRangeThroughputExceeded"},
		{Exception: throttle.ExceptionRequestLimitExceeded, Reason: "TableWriteAccountLimitExceeded"},
	}
	for _, d := range decisions {
		for _, arn := range []string{benchARN, benchARN + "/index/gsi"} {
			e := ThrottleError(d, arn)
			if again := ThrottleError(d, arn); again != e {
				t.Errorf("%s %s: got a new Error the second time, want the shared one", d.Reason, arn)
			}
			fresh := newThrottleError(d, arn)
			if got, want := string(e.Body()), string(fresh.marshalJSON()); got != want {
				t.Errorf("%s %s: shared body\ngot  %s\nwant %s", d.Reason, arn, got, want)
			}
			if e.Type != fresh.Type || e.Msg != fresh.Msg || e.Status != fresh.Status || e.LowerReasons != fresh.LowerReasons ||
				len(e.Reasons) != 1 || e.Reasons[0] != fresh.Reasons[0] {
				t.Errorf("%s %s: shared Error %+v, want %+v", d.Reason, arn, *e, *fresh)
			}
			c := *e
			c.Msg = "changed"
			if got, want := string(c.Body()), string(c.marshalJSON()); got != want {
				t.Errorf("%s %s: changed copy's body\ngot  %s\nwant %s", d.Reason, arn, got, want)
			}
		}
	}
}

func BenchmarkThrottleErrorBody(b *testing.B) {
	// A copy of the shared throttle: its body is encoded on every call (the
	// shared one's is encoded once), which is what this compares.
	e := new(Error)
	*e = *ThrottleError(throttle.Decision{Exception: throttle.ExceptionProvisionedThroughputExceeded, Reason: "TableWriteProvisionedThroughputExceeded"}, benchARN)
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = e.Body()
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = e.marshalJSON()
		}
	})
}
